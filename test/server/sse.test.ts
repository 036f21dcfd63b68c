import { describe, expect, it } from 'vitest';
import { readSse, serve, untilState } from '../fixtures/http.js';
import { gatedSaga } from './serverFixture.js';

const gated = gatedSaga(['first', 'second']);

describe('SSE streams', () => {
  it('should resume with Last-Event-ID and deliver every journal entry exactly once, in order', async () => {
    const { call, url, engine } = await serve([gated]);
    const { body } = await call('POST', '/api/executions', { saga: 'gated', input: {} });
    const stream = `${url}/api/executions/${body.id}/stream`;

    // First connection: read until the saga waits for "first", then drop the connection.
    const before = await readSse(
      stream,
      {},
      (e) => e.data.entry.type === 'StepStarted' && e.data.entry.step === 'first',
    );
    const lastId = before.at(-1)?.id ?? '0';

    // While nobody listens, the saga moves on.
    expect((await call('POST', `/api/executions/${body.id}/events`, { type: 'first' })).status).toBe(200);
    await untilState(call, body.id, { Running: 'second' });

    // Reconnect with Last-Event-ID, and let the saga finish while connected.
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const after = readSse(stream, { 'last-event-id': lastId }, (e) => e.data.entry.type === 'SagaCompleted', opened);
    await open;
    expect((await call('POST', `/api/executions/${body.id}/events`, { type: 'second' })).status).toBe(200);
    const rest = await after;

    const seqs = [...before, ...rest].map((e) => Number(e.id));
    const journal = await engine.journal(body.id);
    expect(seqs).toEqual(journal.map((e) => e.seq));
    expect([...before, ...rest].map((e) => e.data.entry.type)).toEqual(journal.map((e) => e.type));
    expect(rest.at(-1)?.data.status).toBe('Completed');
  });

  it('should stream every execution and resume the global stream with Last-Event-ID exactly', async () => {
    const { call, url, engine } = await serve([gated]);
    const all = `${url}/api/stream`;
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const first = readSse(all, {}, (e) => e.data.executionId === 'x1' && e.data.entry.step === 'first', opened);
    // Without Last-Event-ID the stream starts now: start x1 only once it is connected.
    await open;
    await call('POST', '/api/executions', { saga: 'gated', input: {}, executionId: 'x1' });
    const before = await first;
    // Missed while disconnected: x1 moves on and x2 starts.
    expect((await call('POST', `/api/executions/x1/events`, { type: 'first' })).status).toBe(200);
    await call('POST', '/api/executions', { saga: 'gated', input: {}, executionId: 'x2' });
    await untilState(call, 'x2', { Running: 'first' });
    const after = await readSse(
      all,
      { 'last-event-id': before.at(-1)?.id ?? '0' },
      (e) => e.data.executionId === 'x2' && e.data.entry.step === 'first',
    );
    const seen = [...before, ...after];
    expect(seen.map((e) => Number(e.id))).toEqual(seen.map((_, i) => i + 1));
    expect(seen[0]?.event).toBe('journal');
    for (const id of ['x1', 'x2']) {
      const journal = await engine.journal(id);
      const streamed = seen.filter((e) => e.data.executionId === id).map((e) => e.data.entry.seq);
      expect(streamed).toEqual(journal.map((e) => e.seq).slice(0, streamed.length));
    }
    expect(seen.filter((e) => e.data.executionId === 'x1').map((e) => e.data.entry.type)).toContain('EventReceived');
  });

  it('should answer 404 for the stream of an unknown execution', async () => {
    const { call } = await serve([gated]);
    expect((await call('GET', '/api/executions/nope/stream')).status).toBe(404);
  });
});
