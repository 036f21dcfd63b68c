import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, step } from '../../src/index.js';
import { readSse, serve } from '../fixtures/http.js';
import { stalledSse } from '../fixtures/stalledSse.js';

const BUFFER = 64 * 1024;
/** Sockets hold a few MB before the server's own buffers fill: data well past that proves the bound. */
const PLENTY = 40 * 1024 * 1024;

const bulky = defineSaga({
  name: 'bulky',
  version: 1,
  input: z.object({ blob: z.string() }),
  steps: [step('a', { run: () => 'a', compensate: 'none' })],
});

const BIG_RESULT = 256 * 1024;
const STEPS = 40;
const chatty = defineSaga({
  name: 'chatty',
  version: 1,
  input: z.object({}),
  steps: [
    awaitEvent('go', { event: 'go' }),
    ...Array.from({ length: STEPS }, (_, i) =>
      step(`s${i}`, { run: () => String(i).padEnd(BIG_RESULT, '.'), compensate: 'none' }),
    ),
  ],
});

const positions = (events: { id: string }[]) => events.map((e) => Number(e.id));
const consecutive = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('SSE backpressure', () => {
  it('should bound what waits for a client that never reads, drop it, and resume it exactly with Last-Event-ID', async () => {
    const { engine, url, running } = await serve([bulky], { sseBufferBytes: BUFFER });
    const stalled = stalledSse(url, '/api/stream', { 'last-event-id': '0' });
    await expect.poll(() => running.sseStats().clients).toBe(1);

    // Each execution journals its 20 KB input: keep starting them until the server gives up on the client.
    const blob = 'x'.repeat(20 * 1024);
    let produced = 0;
    let largest = 0;
    while (running.sseStats().dropped === 0 && produced < PLENTY) {
      const { id } = await engine.execute('bulky', { blob });
      await engine.waitFor(id);
      produced += blob.length;
      largest = Math.max(largest, ...running.sseStats().bufferedBytes);
    }
    const stats = running.sseStats();
    expect(stats.dropped).toBe(1);
    expect(stats.clients).toBe(0);
    // The queue limit, plus what one write can put in the socket beyond its high-water mark.
    expect(stats.peakBufferedBytes).toBeLessThan(BUFFER + 3 * (blob.length + 2048) + 16 * 1024);
    expect(largest).toBeLessThanOrEqual(stats.peakBufferedBytes);

    // What it got before the drop is whole events from position 1 on, with no gap.
    const before = await stalled.readToEnd();
    expect(before.length).toBeGreaterThan(0);
    expect(positions(before)).toEqual(consecutive(1, before.length));

    // Resuming from its last event gives exactly the rest of the feed.
    const end = await engine.feedEnd();
    const lastId = before.at(-1)?.id ?? '0';
    const after = await readSse(`${url}/api/stream`, { 'last-event-id': lastId }, (e) => Number(e.id) === end);
    expect(positions([...before, ...after])).toEqual(consecutive(1, end));
    const feed = await engine.feed(Number(lastId), end);
    expect(after.map((e) => e.data)).toEqual(JSON.parse(JSON.stringify(feed)));
  });

  it('should do the same for one execution stream', async () => {
    const { engine, url, call, running } = await serve([chatty], { sseBufferBytes: BUFFER });
    const { body } = await call('POST', '/api/executions', { saga: 'chatty', input: {} });
    await expect
      .poll(async () => (await engine.journal(body.id)).some((e) => e.type === 'StepStarted' && e.step === 'go'))
      .toBe(true);
    const stalled = stalledSse(url, `/api/executions/${body.id}/stream`);
    await expect.poll(() => running.sseStats().clients).toBe(1);

    await engine.send(body.id, { type: 'go' });
    expect((await engine.waitFor(body.id)).status).toBe('Completed');
    const stats = running.sseStats();
    expect(stats.dropped).toBe(1);
    expect(stats.peakBufferedBytes).toBeLessThan(BUFFER + 3 * (BIG_RESULT + 2048) + 16 * 1024);

    const before = await stalled.readToEnd();
    const journal = await engine.journal(body.id);
    expect(positions(before)).toEqual(consecutive(1, before.length));
    const lastId = before.at(-1)?.id ?? '0';
    const after = await readSse(
      `${url}/api/executions/${body.id}/stream`,
      { 'last-event-id': lastId },
      (e) => e.data.entry.type === 'SagaCompleted',
    );
    expect(positions([...before, ...after])).toEqual(journal.map((e) => e.seq));
    expect(after.map((e) => e.data.entry)).toEqual(journal.slice(before.length));
  });

  it('should keep a client that reads', async () => {
    const { engine, url, running } = await serve([bulky], { sseBufferBytes: BUFFER });
    const n = 200;
    const reading = readSse(`${url}/api/stream`, {}, (_, all) => all.length === n * 4);
    await expect.poll(() => running.sseStats().clients).toBe(1);
    const blob = 'y'.repeat(8 * 1024);
    for (let i = 0; i < n; i += 1) await engine.waitFor((await engine.execute('bulky', { blob })).id);
    const events = await reading;
    expect(positions(events)).toEqual(consecutive(1, n * 4));
    expect(running.sseStats().dropped).toBe(0);
  });

  it('should replay a backlog far larger than the buffer to a reading client at its pace, without dropping it', async () => {
    const { engine, url, running } = await serve([bulky], { sseBufferBytes: BUFFER });
    const blob = 'z'.repeat(20 * 1024);
    for (let i = 0; i < 300; i += 1) await engine.waitFor((await engine.execute('bulky', { blob })).id);
    const end = await engine.feedEnd();
    const events = await readSse(`${url}/api/stream`, { 'last-event-id': '0' }, (e) => Number(e.id) === end);
    expect(positions(events)).toEqual(consecutive(1, end));
    expect(running.sseStats().dropped).toBe(0);
  });
});
