import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { compile, defineSaga, parallel, step } from '../src/index.js';
import { settle, startEngine, useFakeClock } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

const input = z.object({});

describe('parallel groups', () => {
  it('should run the branches side by side and continue when all complete', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const saga = defineSaga({
      name: 'fan-out',
      version: 1,
      input,
      steps: [
        parallel('fulfil', [
          step('ship', {
            compensate: 'none',
            run: async () => {
              order.push('ship started');
              await gate;
              order.push('ship done');
              return 'shipped';
            },
          }),
          step('email', {
            compensate: 'none',
            run: () => {
              order.push('email done');
              release();
              return 'sent';
            },
          }),
        ]),
        step('close', { run: () => 'closed', compensate: 'none' }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Completed');
    // email finished while ship was still waiting: they ran side by side.
    expect(order).toEqual(['ship started', 'email done', 'ship done']);
    expect(outcome.results).toEqual({ ship: 'shipped', email: 'sent', close: 'closed' });
  });

  it('should compensate the finished branches, then the earlier steps, when a branch fails', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'fan-out-fail',
      version: 1,
      input,
      steps: [
        r.step('pay'),
        parallel('fulfil', [r.step('ship'), r.step('email', { failures: Infinity }), r.step('invoice')]),
        r.step('close'),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(r.calls).not.toContain('close');
    expect(r.calls).not.toContain('undo email');
    expect(r.calls.slice(-3).sort()).toEqual(['undo invoice', 'undo pay', 'undo ship'].sort());
    expect(r.calls.at(-1)).toBe('undo pay');
    expect(outcome.compensated.at(-1)).toBe('pay');
  });

  it('should start no new retries in other branches once a branch failed for good', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'fan-out-stop',
      version: 1,
      input,
      steps: [
        parallel('fulfil', [
          r.step('fast-fail', { failures: Infinity }),
          r.step('slow-retry', { failures: Infinity }, { retry: { maxAttempts: 10, initialDelayMs: 1000 } }),
        ]),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    expect((await settle(engine, id)).status).toBe('Compensated');
    expect(r.calls.filter((c) => c === 'slow-retry')).toHaveLength(1);
  });

  it('should draw the group as a parallel state with one region per branch', () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'shape',
      version: 1,
      input,
      steps: [parallel('fulfil', [r.step('ship'), r.step('email')])],
    });
    const machine = compile(saga);
    const group = machine.root.states['Running']?.states['fulfil'];
    expect(group?.type).toBe('parallel');
    expect(Object.keys(group?.states ?? {})).toEqual(['ship', 'email']);
    expect(machine.root.states['Compensating']?.states['fulfil']?.type).toBe('parallel');
  });
});
