import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, step } from '../src/index.js';
import { startEngine } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

const input = z.object({});

describe('compensation', () => {
  it('should compensate completed steps in exact reverse order', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'reverse',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b'), r.step('c'), r.step('d', { failures: Infinity })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(r.calls).toEqual(['a', 'b', 'c', 'd', 'undo c', 'undo b', 'undo a']);
    expect(outcome.compensated).toEqual(['c', 'b', 'a']);
  });

  it('should not compensate the failed step or the steps that never ran', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'partial',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b', { failures: Infinity }), r.step('c')],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await engine.waitFor(id);
    expect(r.calls).toEqual(['a', 'b', 'undo a']);
  });

  it("should skip steps with compensate: 'none'", async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'none',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b', {}, { compensate: 'none' }), r.step('c', { failures: Infinity })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    expect((await engine.waitFor(id)).status).toBe('Compensated');
    expect(r.calls).toEqual(['a', 'b', 'c', 'undo a']);
  });

  it("should give compensate the step's own result and the reason", async () => {
    const seen: unknown[] = [];
    const saga = defineSaga({
      name: 'context',
      version: 1,
      input,
      steps: [
        step('charge', {
          run: () => ({ chargeId: 'ch_1' }),
          compensate: ({ result, reason, outcome }) => {
            seen.push(result?.chargeId, reason, outcome);
          },
        }),
        step('ship', {
          run: () => {
            throw new Error('no courier');
          },
          compensate: 'none',
        }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await engine.waitFor(id);
    expect(seen).toEqual(['ch_1', { kind: 'error', message: 'no courier', step: 'ship', name: 'Error' }, 'completed']);
    expect(outcome.reason).toEqual({ kind: 'error', message: 'no courier', step: 'ship', name: 'Error' });
    expect(outcome.errors).toMatchObject([{ step: 'ship', phase: 'run', attempt: 1, message: 'no courier' }]);
  });

  it('should call run and compensate with the documented idempotency keys', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'keys',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b', { failures: Infinity })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {}, { executionId: 'exec-1' });
    await engine.waitFor(id);
    expect(r.keys).toEqual(['exec-1:a', 'exec-1:b', 'exec-1:a:compensate']);
  });

  it('should journal the whole story in order without gaps', async () => {
    const r = recorder();
    const saga = defineSaga({ name: 'story', version: 1, input, steps: [r.step('a'), r.step('b', { failures: 1 })] });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await engine.waitFor(id);
    const journal = await engine.journal(id);
    expect(journal.map((e) => e.seq)).toEqual(journal.map((_, i) => i + 1));
    expect(journal.map((e) => [e.type, e.step])).toEqual([
      ['SagaStarted', undefined],
      ['StepStarted', 'a'],
      ['StepCompleted', 'a'],
      ['StepStarted', 'b'],
      ['StepFailed', 'b'],
      ['CompensationStarted', 'a'],
      ['StepCompensated', 'a'],
      ['SagaCompensated', undefined],
    ]);
  });
});
