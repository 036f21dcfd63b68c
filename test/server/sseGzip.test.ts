import { get } from 'node:http';
import { createGunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ENTRIES_PER_EXECUTION, positions, range, twoSteps } from '../fixtures/feedSagas.js';
import { serve, type SseEvent } from '../fixtures/http.js';

interface Read {
  readonly encoding: string | undefined;
  readonly events: Promise<SseEvent[]>;
}

/** Reads /api/stream with node:http (which decodes nothing itself), gunzipping when the server compressed it. */
function readStream(url: string, headers: Record<string, string>, until: number): Promise<Read> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/api/stream`, { headers, agent: false }, (res) => {
      const encoding = res.headers['content-encoding'];
      const body = encoding === 'gzip' ? res.pipe(createGunzip()) : res;
      const events = new Promise<SseEvent[]>((done, fail) => {
        const all: SseEvent[] = [];
        let text = '';
        body.on('error', fail);
        body.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          let end: number;
          while ((end = text.indexOf('\n\n')) >= 0) {
            const lines = text.slice(0, end).split('\n');
            text = text.slice(end + 2);
            const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
            const data = field('data');
            if (data === undefined) continue;
            all.push({ id: field('id') ?? '', event: field('event') ?? 'message', data: JSON.parse(data) });
            if (Number(field('id')) === until) {
              body.removeAllListeners('error');
              req.destroy();
              done(all);
            }
          }
        });
      });
      resolve({ encoding, events });
    });
    req.on('error', reject);
  });
}

describe('SSE compression', () => {
  it('should gzip the global stream for a client that accepts it, with the same events as a plain one', async () => {
    const { engine, url, running } = await serve([twoSteps]);
    const executions = 40;
    const end = (await engine.feedEnd()) + executions * ENTRIES_PER_EXECUTION;
    const gzipped = await readStream(url, { 'accept-encoding': 'gzip, deflate, br' }, end);
    const plain = await readStream(url, {}, end);
    await expect.poll(() => running.sseStats().clients).toBe(2);
    await Promise.all(
      Array.from({ length: executions }, async (_, n) => engine.waitFor((await engine.execute(twoSteps, { n })).id)),
    );

    expect(gzipped.encoding).toBe('gzip');
    expect(plain.encoding).toBeUndefined();
    const expected = await plain.events;
    expect(positions(expected)).toEqual(range(1, end));
    expect(await gzipped.events).toEqual(expected);
  });

  it('should resume a gzipped stream exactly with Last-Event-ID while others stream live', async () => {
    const { engine, url, running } = await serve([twoSteps]);
    for (let n = 0; n < 20; n += 1) await engine.waitFor((await engine.execute(twoSteps, { n })).id);
    const middle = await engine.feedEnd();
    const end = middle + 20 * ENTRIES_PER_EXECUTION;
    const live = await readStream(url, { 'accept-encoding': 'gzip' }, end);
    await expect.poll(() => running.sseStats().clients).toBe(1);
    const moving = Promise.all(
      Array.from({ length: 20 }, async (_, n) => engine.waitFor((await engine.execute(twoSteps, { n })).id)),
    );
    const resumed = await Promise.all(
      [0, 7, middle - 1].map((from) =>
        readStream(url, { 'accept-encoding': 'gzip', 'last-event-id': String(from) }, end).then(async (read) => ({
          from,
          events: await read.events,
        })),
      ),
    );
    await moving;
    const feed = JSON.parse(JSON.stringify(await engine.feed(0, end)));
    for (const { from, events } of resumed) {
      expect(positions(events), `resumed after ${from}`).toEqual(range(from + 1, end));
      expect(events.map((e) => e.data)).toEqual(feed.slice(from));
    }
    expect(positions(await live.events)).toEqual(range(middle + 1, end));
  });
});
