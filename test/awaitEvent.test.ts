import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, InvalidOperationError, SagaInputError } from '../src/index.js';
import { settle, startEngine, ticks, useFakeClock } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

function approvalSaga(timeoutMs?: number) {
  const r = recorder();
  const saga = defineSaga({
    name: 'approval',
    version: 1,
    input: z.object({}),
    steps: [
      r.step('reserve'),
      awaitEvent('approval', {
        event: 'manager.approved',
        schema: z.object({ by: z.string() }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      }),
      r.step('ship'),
    ],
  });
  return { r, saga };
}

describe('awaitEvent', () => {
  it('should wait for the event and store its data as the step result', async () => {
    const { r, saga } = approvalSaga();
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    expect((await engine.get(id)).state).toEqual({ Running: 'approval' });
    await engine.send(id, { type: 'manager.approved', data: { by: 'ada' } });
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Completed');
    expect(outcome.results['approval']).toEqual({ by: 'ada' });
    expect(r.calls).toEqual(['reserve', 'ship']);
    expect((await engine.journal(id)).some((e) => e.type === 'EventReceived' && e.step === 'approval')).toBe(true);
  });

  it('should refuse event data that fails the schema with SagaInputError and keep waiting', async () => {
    const { saga } = approvalSaga();
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    const error = await engine.send(id, { type: 'manager.approved', data: { by: 42 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SagaInputError);
    expect((error as SagaInputError).issues[0]?.path).toEqual(['data', 'by']);
    expect((await engine.get(id)).state).toEqual({ Running: 'approval' });
  });

  it('should refuse an event the execution is not waiting for', async () => {
    const { saga } = approvalSaga();
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await expect(engine.send(id, { type: 'other.event' })).rejects.toThrow(
      /not waiting for "other.event": it is waiting for "manager.approved"/,
    );
    await expect(engine.send(id, { type: 'saga.cancel' })).rejects.toBeInstanceOf(InvalidOperationError);
  });

  it('should fail the step when the event does not come in time, and compensate', async () => {
    useFakeClock();
    const { r, saga } = approvalSaga(60_000);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.errors).toMatchObject([{ step: 'approval', phase: 'wait', name: 'StepTimeoutError' }]);
    expect(r.calls).toEqual(['reserve', 'undo reserve']);
  });

  it('should take the event when it arrives before the timeout', async () => {
    useFakeClock();
    const { saga } = approvalSaga(60_000);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await engine.send(id, { type: 'manager.approved', data: { by: 'grace' } });
    expect((await settle(engine, id)).status).toBe('Completed');
  });
});
