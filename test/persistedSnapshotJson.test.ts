import { createActor, waitFor, type AnyActorRef } from 'xstate';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, compile, defineSaga, parallel, PermanentError, step } from '../src/index.js';
import { persistedSnapshotJson } from '../src/runtime/persistedSnapshotJson.js';

const ok = () => ({ ok: true });

/** Every snapshot the actor emits, as the engine writes it and as XState persists it. */
function recordBoth(actor: AnyActorRef): { ours: string[]; xstate: string[] } {
  const both = { ours: [] as string[], xstate: [] as string[] };
  actor.subscribe(() => {
    both.ours.push(persistedSnapshotJson(actor));
    both.xstate.push(JSON.stringify(actor.getPersistedSnapshot()));
  });
  return both;
}

describe('persistedSnapshotJson', () => {
  it('should write what XState persists, through retries, a wait, a parallel group, compensation and Failed', async () => {
    let flaky = 0;
    const saga = defineSaga({
      name: 'persisted-json',
      version: 1,
      input: z.object({ orderId: z.string() }),
      deadlineMs: 60_000,
      steps: [
        step('reserve', {
          run: ok,
          compensate: () => {
            throw new PermanentError('the warehouse is gone');
          },
          compensationRetry: { maxAttempts: 1 },
        }),
        step('charge', {
          run: () => {
            flaky += 1;
            if (flaky === 1) throw new Error('gateway busy');
            return { chargeId: 'c1', amount: 42.5, tags: ['a', 'b'], nested: { deep: [1, { x: null }] } };
          },
          compensate: ok,
          retry: { maxAttempts: 2, initialDelayMs: 1 },
          timeoutMs: 5_000,
        }),
        awaitEvent('approval', { event: 'approve', timeoutMs: 60_000 }),
        parallel('fulfil', [
          step('ship', { run: ok, compensate: ok }),
          step('email', {
            run: () => {
              throw new PermanentError('no address');
            },
            compensate: ok,
          }),
        ]),
      ],
    });
    const actor = createActor(compile(saga), {
      input: { executionId: 'p1', input: { orderId: 'o1' }, deadlineAt: Date.now() + 60_000 },
    });
    const both = recordBoth(actor);
    actor.start();
    await waitFor(actor, (s) => s.matches({ Running: 'approval' }));
    actor.send({ type: 'approve', data: { by: 'ann' } });
    await waitFor(actor, (s) => s.matches('Failed'));
    actor.stop();
    expect(both.ours.length).toBeGreaterThan(5);
    expect(both.ours).toEqual(both.xstate);
  });

  it('should write what XState persists for a completed saga', async () => {
    const saga = defineSaga({
      name: 'persisted-json-done',
      version: 1,
      input: z.object({}),
      steps: [step('one', { run: ok, compensate: ok }), step('two', { run: ok, pivot: true })],
    });
    const actor = createActor(compile(saga), { input: { executionId: 'p2', input: {} } });
    const both = recordBoth(actor);
    actor.start();
    await waitFor(actor, (s) => s.matches('Completed'));
    expect(both.ours).toEqual(both.xstate);
    expect(JSON.parse(both.ours.at(-1) ?? '{}')).toMatchObject({ status: 'done', value: 'Completed' });
  });
});
