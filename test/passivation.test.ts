import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  awaitEvent,
  defineSaga,
  ExecutionNotFoundError,
  InvalidOperationError,
  memoryStore,
  SagaEngine,
  SagaInputError,
  step,
  type AnySagaDefinition,
  type PassivationOptions,
  type SagaStore,
} from '../src/index.js';
import { sqliteStore } from '../src/sqlite.js';
import { settle, ticks, useFakeClock } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

const engines: SagaEngine[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

async function engineWith(
  sagas: AnySagaDefinition[],
  store: SagaStore = memoryStore(),
  passivation: PassivationOptions = {},
): Promise<SagaEngine> {
  const engine = new SagaEngine({ store, sagas, passivation });
  engines.push(engine);
  await engine.start();
  return engine;
}

/** Lets real ticks pass until `done` holds (group commits and in-process steps need them). */
async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2_000 && !(await done()); i += 1) await ticks(1);
  expect(await done()).toBe(true);
}

function approvalSaga() {
  const r = recorder();
  const saga = defineSaga({
    name: 'approval',
    version: 1,
    input: z.object({}),
    steps: [
      r.step('reserve'),
      awaitEvent('approval', { event: 'manager.approved', schema: z.object({ by: z.string() }) }),
      r.step('ship'),
    ],
  });
  return { r, saga };
}

describe('passivation', () => {
  it('should take a waiting execution out of memory once its wait is durable', async () => {
    const { saga } = approvalSaga();
    const store = memoryStore();
    const engine = await engineWith([saga], store);
    const { id } = await engine.execute(saga, {});
    await until(() => engine.held() === 0);
    expect(await store.get(id)).toMatchObject({ parked: true, wakeAt: null, status: 'Running' });
    expect((await engine.get(id)).state).toEqual({ Running: 'approval' });
  });

  it('should apply an event sent to a parked execution once, and resolve after it is durable', async () => {
    const { r, saga } = approvalSaga();
    const store = memoryStore();
    const engine = await engineWith([saga], store);
    const { id } = await engine.execute(saga, {});
    await until(() => engine.held() === 0);
    await engine.send(id, { type: 'manager.approved', data: { by: 'ada' } });
    // The sender sees what send always meant: the event is in the durable state.
    expect((await engine.get(id)).results['approval']).toEqual({ by: 'ada' });
    expect((await engine.waitFor(id)).status).toBe('Completed');
    expect(r.calls).toEqual(['reserve', 'ship']);
    expect((await engine.journal(id)).filter((e) => e.type === 'EventReceived')).toHaveLength(1);
    expect(await store.pendingCommands(id)).toEqual([]);
  });

  it('should refuse what a parked execution does not wait for with the same errors, and queue nothing', async () => {
    const { saga } = approvalSaga();
    const store = memoryStore();
    const engine = await engineWith([saga], store);
    const { id } = await engine.execute(saga, {});
    await until(() => engine.held() === 0);
    await expect(engine.send(id, { type: 'other.event' })).rejects.toThrow(
      /not waiting for "other.event": it is waiting for "manager.approved"/,
    );
    const bad = await engine.send(id, { type: 'manager.approved', data: { by: 42 } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(SagaInputError);
    await expect(engine.retry(id)).rejects.toThrow(/only a Failed execution can be retried/);
    expect(await store.pendingCommands(id)).toEqual([]);
    await until(() => engine.held() === 0);
    expect((await engine.get(id)).state).toEqual({ Running: 'approval' });
    await engine.send(id, { type: 'manager.approved', data: { by: 'grace' } });
    expect((await engine.waitFor(id)).status).toBe('Completed');
  });

  it('should resolve waitFor on a parked execution when it settles', async () => {
    const { saga } = approvalSaga();
    const engine = await engineWith([saga]);
    const { id } = await engine.execute(saga, {});
    await until(() => engine.held() === 0);
    const outcome = engine.waitFor(id);
    await engine.send(id, { type: 'manager.approved', data: { by: 'ada' } });
    expect((await outcome).status).toBe('Completed');
  });

  it('should have left the waiting state when cancel of a parked execution resolves', async () => {
    const { r, saga } = approvalSaga();
    const engine = await engineWith([saga]);
    const { id } = await engine.execute(saga, {});
    await until(() => engine.held() === 0);
    await engine.cancel(id, 'changed my mind');
    expect((await engine.get(id)).status).not.toBe('Running');
    expect((await engine.waitFor(id)).status).toBe('Compensated');
    expect(r.calls).toEqual(['reserve', 'undo reserve']);
  });

  it('should park a Failed execution and have left Failed when retry resolves', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'fails-after-pivot',
      version: 1,
      input: z.object({}),
      steps: [
        r.step('pay', {}, { pivot: true, compensate: false }),
        r.step('ship', { failures: 1 }, { compensate: false, retry: { maxAttempts: 1 } }),
      ],
    });
    const engine = await engineWith([saga]);
    const { id } = await engine.execute(saga, {});
    expect((await engine.waitFor(id)).status).toBe('Failed');
    await until(() => engine.held() === 0);
    await engine.retry(id);
    expect((await engine.get(id)).status).not.toBe('Failed');
    expect((await engine.waitFor(id)).status).toBe('Completed');
  });

  it('should keep a wait shorter than the threshold in memory', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'short-backoff',
      version: 1,
      input: z.object({}),
      steps: [r.step('flaky', { failures: 1 }, { retry: { maxAttempts: 2, initialDelayMs: 60_000 } })],
    });
    const store = memoryStore();
    const engine = await engineWith([saga], store, { thresholdMs: 120_000 });
    const { id } = await engine.execute(saga, {});
    await until(async () => (await engine.journal(id)).some((e) => e.type === 'StepRetryScheduled'));
    await ticks(10);
    expect(engine.held()).toBe(1);
    expect(await store.get(id)).toMatchObject({ parked: false });
    expect((await store.get(id))?.wakeAt).toBeGreaterThan(Date.now());
  });

  it('should keep the timeout of a running step as its wake-up time, so an execution past it is listed as stuck', async () => {
    const saga = defineSaga({
      name: 'hanging',
      version: 1,
      input: z.object({}),
      steps: [step('call', { run: () => new Promise<string>(() => undefined), compensate: 'none', timeoutMs: 60_000 })],
    });
    const store = memoryStore();
    const engine = await engineWith([saga], store);
    const started = Date.now();
    const { id } = await engine.execute(saga, {});
    await until(async () => (await engine.journal(id)).some((e) => e.type === 'StepStarted'));
    const stored = await store.get(id);
    expect(stored).toMatchObject({ parked: false, status: 'Running' });
    expect(stored?.wakeAt).toBeGreaterThanOrEqual(started + 60_000);
    expect((await store.list({ overdueBefore: (stored?.wakeAt ?? 0) + 1 })).items.map((e) => e.id)).toEqual([id]);
    expect((await store.list({ overdueBefore: stored?.wakeAt ?? 0 })).items).toEqual([]);
  });

  it('should fire a passivated 30 s backoff at its original due time across a restart, once', async () => {
    useFakeClock();
    const file = join(mkdtempSync(join(tmpdir(), 'sagachart-')), 'passivation.db');
    const r = recorder();
    const saga = defineSaga({
      name: 'long-backoff',
      version: 1,
      input: z.object({}),
      steps: [r.step('flaky', { failures: 1 }, { retry: { maxAttempts: 2, initialDelayMs: 30_000 } })],
    });
    const first = await engineWith([saga], sqliteStore(file));
    const { id } = await first.execute(saga, {});
    await until(() => first.held() === 0);
    const scheduled = (await first.journal(id)).find((e) => e.type === 'StepRetryScheduled');
    const dueAt = (scheduled?.data as { dueAt: number }).dueAt;
    await first.stop();

    const second = await engineWith([saga], sqliteStore(file), { pollIntervalMs: 1_000 });
    expect(second.held()).toBe(0);
    expect((await settle(second, id)).status).toBe('Completed');
    const retried = (await second.journal(id)).filter((e) => e.type === 'StepStarted' && e.attempt === 2);
    expect(retried).toHaveLength(1);
    expect(retried[0]?.at).toBeGreaterThanOrEqual(dueAt);
    expect(retried[0]?.at).toBeLessThanOrEqual(dueAt + 1_000);
    expect(r.calls).toEqual(['flaky', 'flaky']);
  });

  it('should wake many due executions in batches, each timer firing once', async () => {
    useFakeClock();
    const saga = defineSaga({
      name: 'batch-timeouts',
      version: 1,
      input: z.object({}),
      steps: [awaitEvent('never', { event: 'never', timeoutMs: 60_000 })],
    });
    const engine = await engineWith([saga], memoryStore(), { batchSize: 3 });
    const ids = await Promise.all(Array.from({ length: 10 }, async () => (await engine.execute(saga, {})).id));
    await until(() => engine.held() === 0);
    for (const id of ids) expect((await settle(engine, id)).status).toBe('Compensated');
    for (const id of ids) {
      expect((await engine.journal(id)).filter((e) => e.type === 'StepFailed')).toHaveLength(1);
    }
  });

  it('should resume on start() only the executions that were moving', async () => {
    const { saga } = approvalSaga();
    const hang = defineSaga({
      name: 'hang',
      version: 1,
      input: z.object({}),
      steps: [recorder().step('forever', { hang: true })],
    });
    const store = memoryStore();
    const first = await engineWith([saga, hang], store);
    const parked = await first.execute(saga, {});
    await first.execute(hang, {});
    await until(() => first.held() === 1);
    await first.stop();
    const second = await engineWith([saga, hang], store);
    expect(second.held()).toBe(1);
    await second.send(parked.id, { type: 'manager.approved', data: { by: 'ada' } });
    expect((await second.waitFor(parked.id)).status).toBe('Completed');
  });

  it('should apply on start() a command a crash left pending for an execution that was moving', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'moving',
      version: 1,
      input: z.object({}),
      steps: [r.step('forever', { hang: true })],
    });
    const store = memoryStore();
    const first = await engineWith([saga], store);
    const { id } = await first.execute(saga, {});
    await until(async () => (await first.journal(id)).some((e) => e.type === 'StepStarted'));
    await first.stop();
    // Appended, durable, but the engine that should apply it is gone.
    await store.init();
    const [command] = await store.appendCommands([
      { executionId: id, body: { kind: 'cancel', reason: 'late' }, at: 1 },
    ]);
    const second = await engineWith([saga], store);
    expect((await second.waitFor(id)).status).toBe('Compensated');
    expect(await store.getCommand(command?.id ?? 0)).toMatchObject({ state: 'applied' });
    expect((await second.journal(id)).filter((e) => e.type === 'CancelRequested')).toHaveLength(1);
  });

  it('should reject waitFor on an unknown execution without leaving a rejected waiter behind', async () => {
    const { saga } = approvalSaga();
    const engine = await engineWith([saga]);
    // Before the fix the registered waiter was rejected too, unobserved: an unhandled rejection.
    await expect(engine.waitFor('missing')).rejects.toBeInstanceOf(ExecutionNotFoundError);
  });

  it('should refuse bad passivation options by name', () => {
    const { saga } = approvalSaga();
    expect(() => new SagaEngine({ sagas: [saga], passivation: { thresholdMs: -1 } })).toThrow(
      /passivation.thresholdMs -1/,
    );
    expect(() => new SagaEngine({ sagas: [saga], passivation: { pollIntervalMs: 0 } })).toThrow(InvalidOperationError);
  });
});
