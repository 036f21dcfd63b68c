import { z } from 'zod';
import { describe, expect, it, vi } from 'vitest';
import { awaitEvent, defineSaga } from '../src/index.js';
import { settle, startEngine, ticks, useFakeClock } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

describe('saga deadline', () => {
  it('should compensate when the deadline passes before the pivot', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'deadline',
      version: 1,
      input: z.object({}),
      deadlineMs: 30_000,
      steps: [r.step('a'), awaitEvent('never', { event: 'never.comes' }), r.step('b')],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.reason).toEqual({ kind: 'deadline', message: 'saga deadline exceeded' });
    expect(r.calls).toEqual(['a', 'undo a']);
  });

  it('should ignore the deadline after the pivot', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'deadline-after-pivot',
      version: 1,
      input: z.object({}),
      deadlineMs: 1_000,
      steps: [r.step('p', {}, { pivot: true, compensate: false }), awaitEvent('ack', { event: 'ack' })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await vi.advanceTimersByTimeAsync(5_000);
    await ticks(10);
    expect((await engine.get(id)).state).toEqual({ Running: 'ack' });
    await engine.send(id, { type: 'ack' });
    expect((await settle(engine, id)).status).toBe('Completed');
  });

  it('should take a per-execution deadline from execute options', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'deadline-option',
      version: 1,
      input: z.object({}),
      steps: [r.step('a'), awaitEvent('never', { event: 'never.comes' })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {}, { deadlineMs: 500 });
    expect((await settle(engine, id)).status).toBe('Compensated');
  });
});
