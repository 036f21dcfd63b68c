import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SagaStore } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { ENTRIES_PER_EXECUTION, positions, range, twoSteps } from '../fixtures/feedSagas.js';
import { readSse, serve } from '../fixtures/http.js';

/** A real SQLite store that counts the feed reads made through it. */
function countingStore(): { store: SagaStore; feedReads: () => number } {
  const inner = sqliteStore(join(mkdtempSync(join(tmpdir(), 'sagachart-fanout-')), 'fanout.db'));
  let reads = 0;
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === 'feed') {
        return (afterPosition: number, limit: number) => {
          reads += 1;
          return target.feed(afterPosition, limit);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, feedReads: () => reads };
}

describe('SSE fan-out', () => {
  it('should read the feed once per commit for all clients, not once per client', async () => {
    const { store, feedReads } = countingStore();
    const { engine, url, running } = await serve([twoSteps], { store });
    const clients = 25;
    const executions = 40;
    const total = executions * ENTRIES_PER_EXECUTION;
    const readers = Array.from({ length: clients }, () =>
      readSse(`${url}/api/stream`, {}, (_, all) => all.length === total),
    );
    await expect.poll(() => running.sseStats().clients).toBe(clients);

    let notifications = 0;
    const off = engine.subscribe(() => (notifications += 1));
    const readsBefore = feedReads();
    await Promise.all(
      Array.from({ length: executions }, async (_, n) => engine.waitFor((await engine.execute(twoSteps, { n })).id)),
    );
    const streams = await Promise.all(readers);
    off();

    const expected = positions(streams[0] ?? []);
    expect(expected).toEqual(range(expected[0] ?? 1, (expected[0] ?? 1) + total - 1));
    for (const events of streams) expect(events.map((e) => e.data)).toEqual(streams[0]?.map((e) => e.data));
    // Each notification wakes the one shared reader at most once; per-client readers would make it 25× that.
    expect(notifications).toBeGreaterThan(0);
    expect(feedReads() - readsBefore).toBeLessThanOrEqual(notifications + 1);
  });

  it('should resume clients from old positions exactly while the shared reader streams to others', async () => {
    const { engine, url, running } = await serve([twoSteps]);
    const first = 30;
    for (let n = 0; n < first; n += 1) await engine.waitFor((await engine.execute(twoSteps, { n })).id);
    const middle = await engine.feedEnd();
    const more = 30;
    const end = middle + more * ENTRIES_PER_EXECUTION;

    // One client follows live the whole time, so the shared reader is busy when the others resume.
    const live = readSse(`${url}/api/stream`, {}, (e) => Number(e.id) === end);
    await expect.poll(() => running.sseStats().clients).toBe(1);
    const running_ = Promise.all(
      Array.from({ length: more }, async (_, n) =>
        engine.waitFor((await engine.execute(twoSteps, { n: first + n })).id),
      ),
    );
    const resumed = await Promise.all(
      [0, 1, Math.floor(middle / 2), middle].map((from) =>
        readSse(`${url}/api/stream`, { 'last-event-id': String(from) }, (e) => Number(e.id) === end).then((events) => ({
          from,
          events,
        })),
      ),
    );
    await running_;
    const feed = JSON.parse(JSON.stringify(await engine.feed(0, end)));
    for (const { from, events } of resumed) {
      expect(positions(events), `resumed after ${from}`).toEqual(range(from + 1, end));
      expect(events.map((e) => e.data)).toEqual(feed.slice(from));
    }
    const liveEvents = await live;
    expect(positions(liveEvents)).toEqual(range(middle + 1, end));
  });

  it('should stream from the end to a client whose Last-Event-ID is past it, without holding up the others', async () => {
    const { engine, url, running } = await serve([twoSteps]);
    await engine.waitFor((await engine.execute(twoSteps, { n: 0 })).id);
    const end = (await engine.feedEnd()) + 2 * ENTRIES_PER_EXECUTION;
    const future = readSse(`${url}/api/stream`, { 'last-event-id': '999999' }, (e) => Number(e.id) === end);
    await expect.poll(() => running.sseStats().clients).toBe(1);
    const fresh = readSse(`${url}/api/stream`, {}, (e) => Number(e.id) === end);
    await expect.poll(() => running.sseStats().clients).toBe(2);
    for (const n of [1, 2]) await engine.waitFor((await engine.execute(twoSteps, { n })).id);
    const expected = range(end - 2 * ENTRIES_PER_EXECUTION + 1, end);
    expect(positions(await future)).toEqual(expected);
    expect(positions(await fresh)).toEqual(expected);
  });
});
