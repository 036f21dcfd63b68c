import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, memoryStore } from '../../src/index.js';
import { postgresStore } from '../../src/postgres.js';
import { readSse, serve, untilState } from '../fixtures/http.js';
import { POSTGRES_URL, freshSchema, postgresAvailable } from '../fixtures/postgres.js';
import { gatedSaga, namedStep } from './serverFixture.js';

const postgresUp = await postgresAvailable();

const gated = gatedSaga(['go']);

const quick = defineSaga({
  name: 'quick',
  version: 1,
  input: z.object({ n: z.number() }),
  steps: ['a', 'b', 'c'].map(namedStep),
});

/**
 * A store whose next journal read, once armed, waits until released: what a
 * store with asynchronous reads (PostgreSQL) does when a commit lands while
 * a read is on its way.
 */
function slowJournalStore() {
  const inner = memoryStore();
  let armed = false;
  let reached: () => void = () => undefined;
  let release: () => void = () => undefined;
  const reachedRead = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === 'journal') {
        return async (id: string, afterSeq?: number) => {
          if (armed) {
            armed = false;
            reached();
            await released;
          }
          return target.journal(id, afterSeq);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, arm: () => (armed = true), reachedRead, release };
}

describe('one execution stream', () => {
  it('should send the entry that settles the execution with the settled status when it commits during a read', async () => {
    const { store, arm, reachedRead, release } = slowJournalStore();
    const { call, url, engine } = await serve([gated], { store });
    const { body } = await call('POST', '/api/executions', { saga: 'gated', input: {} });
    await untilState(call, body.id, { Running: 'go' });

    arm();
    const events = readSse(`${url}/api/executions/${body.id}/stream`, {}, (e) => e.data.entry.type === 'SagaCompleted');
    // The stream's journal read is on its way; the execution finishes before it answers.
    await reachedRead;
    await engine.send(body.id, { type: 'go' });
    expect((await engine.waitFor(body.id)).status).toBe('Completed');
    release();

    const last = (await events).at(-1);
    expect(last?.data.entry.type).toBe('SagaCompleted');
    // A follower ends on a settling entry with a settled status (the CLI over --url does): never an older status.
    expect(last?.data.status).toBe('Completed');
    expect(last?.data.state).toBe('Completed');
  });

  it.runIf(postgresUp)(
    'should end every follow of executions started at once on PostgreSQL with the settled status',
    async () => {
      // The same race with the real asynchronous store: 88 of 300 such follows ended on a stale status before the fix.
      const store = postgresStore(POSTGRES_URL, { schema: freshSchema() });
      const { call, url } = await serve([quick], { store });
      const lastEvents = await Promise.all(
        Array.from({ length: 100 }, async (_, n) => {
          const { body } = await call('POST', '/api/executions', { saga: 'quick', input: { n } });
          const events = await readSse(
            `${url}/api/executions/${body.id}/stream`,
            {},
            (e) => e.data.entry.type === 'SagaCompleted',
          );
          return events.at(-1)?.data;
        }),
      );
      expect(lastEvents.filter((last) => last?.status !== 'Completed')).toEqual([]);
    },
  );
});
