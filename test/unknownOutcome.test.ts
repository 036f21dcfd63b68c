import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  defineSaga,
  InvalidOperationError,
  memoryStore,
  parallel,
  step,
  type CompensationContext,
} from '../src/index.js';
import { settle, startEngine, ticks, useFakeClock } from './fixtures/engine.js';

const input = z.object({});

/** What each compensation was called with: outcome and result. */
function compensations() {
  const seen: { step: string; outcome: string; result: unknown }[] = [];
  const record = (name: string) => (ctx: CompensationContext<unknown, unknown>) => {
    seen.push({ step: name, outcome: ctx.outcome, result: ctx.result });
  };
  return { seen, record };
}

/** A step call that the test lets finish (or fail) from outside, after its signal fired. */
function heldCall() {
  let finish: (value: unknown) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  let aborted = false;
  let calls = 0;
  const run = ({ signal }: { signal: AbortSignal }) => {
    calls += 1;
    signal.addEventListener('abort', () => (aborted = true));
    return new Promise((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return {
    run,
    finish: (value: unknown) => finish(value),
    fail: (error: unknown) => fail(error),
    aborted: () => aborted,
    calls: () => calls,
  };
}

describe('unknown outcomes', () => {
  it('should wait for a step in flight at cancel and compensate it with its result when it completes', async () => {
    const { seen, record } = compensations();
    const held = heldCall();
    const saga = defineSaga({
      name: 'cancel-completes',
      version: 1,
      input,
      steps: [
        step('a', { run: () => 'A', compensate: record('a') }),
        step('charge', { run: held.run, compensate: record('charge') }),
        step('never', { run: () => 'N', compensate: record('never') }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await engine.cancel(id, 'changed my mind');
    expect(held.aborted()).toBe(true);
    // The step ignores its signal and completes: its effect exists, so it is undone like any other.
    expect((await engine.get(id)).status).toBe('Running');
    held.finish({ chargeId: 'ch_1' });
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(seen).toEqual([
      { step: 'charge', outcome: 'completed', result: { chargeId: 'ch_1' } },
      { step: 'a', outcome: 'completed', result: 'A' },
    ]);
    expect(outcome.reason).toEqual({ kind: 'cancelled', message: 'changed my mind' });
  });

  it('should compensate a step that threw after the cancel fired its signal, with outcome unknown and no result', async () => {
    const { seen, record } = compensations();
    const held = heldCall();
    const saga = defineSaga({
      name: 'cancel-aborted',
      version: 1,
      input,
      steps: [
        step('a', { run: () => 'A', compensate: record('a') }),
        step('charge', { run: held.run, compensate: record('charge') }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await engine.cancel(id);
    held.fail(new Error('aborted'));
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(seen).toEqual([
      { step: 'charge', outcome: 'unknown', result: undefined },
      { step: 'a', outcome: 'completed', result: 'A' },
    ]);
    expect(outcome.unknown).toEqual(['charge']);
    expect(outcome.compensated).toEqual(['charge', 'a']);
  });

  it('should compensate a step whose last attempt timed out, with outcome unknown', async () => {
    useFakeClock();
    const { seen, record } = compensations();
    const saga = defineSaga({
      name: 'timeout-unknown',
      version: 1,
      input,
      steps: [
        step('a', { run: () => 'A', compensate: record('a') }),
        step('slow', { run: () => new Promise(() => undefined), compensate: record('slow'), timeoutMs: 1_000 }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(seen.map((s) => [s.step, s.outcome])).toEqual([
      ['slow', 'unknown'],
      ['a', 'completed'],
    ]);
  });

  it('should not compensate a step that failed with an ordinary error', async () => {
    const { seen, record } = compensations();
    const saga = defineSaga({
      name: 'ordinary-failure',
      version: 1,
      input,
      steps: [
        step('a', { run: () => 'A', compensate: record('a') }),
        step('b', {
          run: () => {
            throw new Error('declined');
          },
          compensate: record('b'),
        }),
      ],
    });
    const engine = await startEngine([saga]);
    const outcome = await engine.waitFor((await engine.execute(saga, {})).id);
    expect(outcome.status).toBe('Compensated');
    expect(seen.map((s) => s.step)).toEqual(['a']);
    expect(outcome.unknown).toEqual([]);
  });

  it('should treat the deadline like a cancel for the step in flight', async () => {
    useFakeClock();
    const { seen, record } = compensations();
    const held = heldCall();
    const saga = defineSaga({
      name: 'deadline-in-flight',
      version: 1,
      input,
      deadlineMs: 5_000,
      steps: [
        step('a', { run: () => 'A', compensate: record('a') }),
        step('charge', { run: held.run, compensate: record('charge') }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await engine.get(id);
    // Let the deadline pass; the call is still in flight, its signal fired.
    for (let i = 0; i < 10 && !held.aborted(); i += 1) {
      await ticks(5);
      await import('vitest').then(({ vi }) => vi.advanceTimersByTimeAsync(1_000));
    }
    expect(held.aborted()).toBe(true);
    held.fail(new Error('aborted'));
    const outcome = await settle(engine, id);
    expect(outcome.reason?.kind).toBe('deadline');
    expect(seen.map((s) => [s.step, s.outcome])).toEqual([
      ['charge', 'unknown'],
      ['a', 'completed'],
    ]);
  });

  it('should refuse a second cancel while the first waits for the step in flight', async () => {
    const held = heldCall();
    const saga = defineSaga({
      name: 'cancel-twice',
      version: 1,
      input,
      steps: [step('charge', { run: held.run, compensate: () => undefined })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await engine.cancel(id);
    const second = await engine.cancel(id).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(InvalidOperationError);
    expect((second as Error).message).toMatch(/already being cancelled/);
    held.fail(new Error('aborted'));
    expect((await engine.waitFor(id)).status).toBe('Compensated');
  });

  it('should refuse a cancel while the pivot is in flight, and not fire its signal', async () => {
    const held = heldCall();
    const saga = defineSaga({
      name: 'cancel-at-pivot',
      version: 1,
      input,
      steps: [
        step('a', { run: () => 'A', compensate: () => undefined }),
        step('commit', { run: held.run, pivot: true }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    const refused = await engine.cancel(id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidOperationError);
    expect((refused as Error).message).toMatch(/pivot "commit" is in flight/);
    expect(held.aborted()).toBe(false);
    held.finish('done');
    expect((await engine.waitFor(id)).status).toBe('Completed');
  });

  it('should let the branches in flight of a parallel group settle, stop the ones waiting to retry, and compensate', async () => {
    const { seen, record } = compensations();
    const held = heldCall();
    let flakyCalls = 0;
    const saga = defineSaga({
      name: 'cancel-group',
      version: 1,
      input,
      steps: [
        step('a', { run: () => 'A', compensate: record('a') }),
        parallel('both', [
          step('slow', { run: held.run, compensate: record('slow') }),
          step('flaky', {
            run: () => {
              flakyCalls += 1;
              throw new Error('busy');
            },
            compensate: record('flaky'),
            retry: { maxAttempts: 5, initialDelayMs: 60_000 },
          }),
          step('quick', { run: () => 'Q', compensate: record('quick') }),
        ]),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(20);
    await engine.cancel(id);
    held.fail(new Error('aborted'));
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(flakyCalls).toBe(1);
    const compensated = seen.map((s) => `${s.step}:${s.outcome}`);
    // The group's units in any order, then the step before it.
    expect(compensated.slice(0, 2).sort()).toEqual(['quick:completed', 'slow:unknown']);
    expect(compensated.slice(2)).toEqual(['a:completed']);
  });

  it('should not call a step again after a restart while a cancel waited for it, and compensate it as unknown', async () => {
    const { seen, record } = compensations();
    const held = heldCall();
    const saga = defineSaga({
      name: 'cancel-restart',
      version: 1,
      input,
      steps: [
        step('a', { run: () => 'A', compensate: record('a') }),
        step('charge', { run: held.run, compensate: record('charge') }),
      ],
    });
    const store = memoryStore();
    const first = await startEngine([saga], store);
    const { id } = await first.execute(saga, {});
    await ticks(10);
    await first.cancel(id);
    await first.stop();
    expect(held.calls()).toBe(1);
    const second = await startEngine([saga], store);
    const outcome = await second.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(held.calls()).toBe(1);
    expect(seen.map((s) => [s.step, s.outcome])).toEqual([
      ['charge', 'unknown'],
      ['a', 'completed'],
    ]);
  });
});
