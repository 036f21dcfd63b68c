import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, step } from '../../src/index.js';
import { runSagaPath, SagaDataError, sagaPaths, SagaPathViolation } from '../../src/testing/index.js';

const violationOf = async (promise: Promise<unknown>): Promise<SagaPathViolation> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SagaPathViolation)) throw new Error(`expected a SagaPathViolation, got ${String(error)}`);
  return error;
};

describe('bugs in the saga’s own code', () => {
  it('should report a compensation that throws on every call, naming the step, phase and error', async () => {
    // A saga the tester never saw, written as a user would: the refund reads a field the charge never returns.
    const refunds: string[] = [];
    const shop = defineSaga({
      name: 'unseen-shop',
      version: 1,
      input: z.object({ orderId: z.string(), amount: z.number().positive() }),
      steps: [
        step('reserve', { run: () => ({ held: true }), compensate: () => undefined }),
        step('charge', {
          run: ({ input }) => ({ id: `ch-${input.orderId}` }),
          // The bug: `result.receipt` does not exist, so every refund throws a TypeError.
          compensate: ({ result }) => {
            const receipt = (result as unknown as { receipt: { id: string } }).receipt;
            refunds.push(receipt.id);
          },
        }),
        step('ship', { run: () => 'shipped', compensate: 'none' }),
      ],
    });
    const path = sagaPaths(shop).find((p) => p.name === 'ship fails -> undo charge -> undo reserve -> Compensated');
    if (path === undefined) throw new Error('no such path');

    // The default compensation policy retries for about 15 minutes; the tester must answer within its budget.
    const violation = await violationOf(runSagaPath(shop, path));

    expect(violation.kind).toBe('threw');
    expect(violation.step).toBe('charge');
    expect(violation.phase).toBe('compensate');
    expect(violation.error).toBeInstanceOf(TypeError);
    expect(violation.message).toContain('the compensation of "charge" threw TypeError');
    expect(violation.message).toContain(path.name);
  });

  it('should report a compensation that throws an ordinary error on every call after its shortened retries', async () => {
    const saga = defineSaga({
      name: 'refund-api-down',
      version: 1,
      input: z.object({ orderId: z.string() }),
      steps: [
        step('charge', {
          run: () => ({ id: 'ch-1' }),
          // The default compensation policy: 20 attempts over about 15 minutes.
          compensate: () => {
            throw new Error('refund API: 400 bad request');
          },
        }),
        step('ship', { run: () => 'shipped', compensate: 'none' }),
      ],
    });
    const path = sagaPaths(saga).find((p) => p.name === 'ship fails -> undo charge -> Compensated');
    if (path === undefined) throw new Error('no such path');

    const violation = await violationOf(runSagaPath(saga, path));

    expect(violation.kind).toBe('threw');
    expect(violation.step).toBe('charge');
    expect(violation.phase).toBe('compensate');
    expect(violation.divergence).toMatch(
      /^the compensation of "charge" threw Error: refund API: 400 bad request \(compensate, attempt 1\); then final status: expected Compensated, got Failed/,
    );
  });

  it('should report a step whose run throws a TypeError at once, without waiting for its retries', async () => {
    const saga = defineSaga({
      name: 'typo-step',
      version: 1,
      input: z.object({ n: z.number() }),
      steps: [
        step('first', { run: () => 1, compensate: () => undefined }),
        step('second', {
          run: ({ results }) => (results['missing'] as { x: number }).x,
          pivot: true,
          retry: { maxAttempts: 10_000, initialDelayMs: 60_000 },
        }),
      ],
    });
    const happy = sagaPaths(saga).find((p) => p.name === 'all steps succeed -> Completed');
    if (happy === undefined) throw new Error('no happy path');

    const violation = await violationOf(runSagaPath(saga, happy, { input: { n: 1 } }));

    expect(violation.kind).toBe('threw');
    expect(violation.step).toBe('second');
    expect(violation.phase).toBe('run');
    expect(violation.divergence).toMatch(/^step "second" threw TypeError: .* \(run, attempt 1\)$/);
  });

  it('should report a path that sits past its time budget as stuck, with its state and last journal entries', async () => {
    const saga = defineSaga({
      name: 'hangs',
      version: 1,
      input: z.object({}),
      steps: [
        step('first', { run: () => 1, compensate: () => undefined }),
        // The bug: a promise that never settles and ignores its signal.
        step('second', { run: () => new Promise<never>(() => undefined), compensate: 'none' }),
      ],
    });
    const happy = sagaPaths(saga).find((p) => p.name === 'all steps succeed -> Completed');
    if (happy === undefined) throw new Error('no happy path');

    const violation = await violationOf(runSagaPath(saga, happy, { budgetMs: 300 }));

    expect(violation.kind).toBe('stuck');
    expect(violation.state).toBe('Running.second.run');
    expect(violation.journal.map((e) => `${e.type} ${e.step ?? ''}`)).toEqual([
      'SagaStarted ',
      'StepStarted first',
      'StepCompleted first',
      'StepStarted second',
    ]);
    expect(violation.message).toContain('no outcome after 300 ms; the execution sits in Running.second.run');
  });

  it('should report a refused event at once, naming the event and the schema issue', async () => {
    const saga = defineSaga({
      name: 'approval',
      version: 1,
      input: z.object({}),
      steps: [
        step('hold', { run: () => 1, compensate: () => undefined }),
        awaitEvent('approve', { event: 'manager.approved', schema: z.object({ approvedBy: z.string() }) }),
        step('pay', { run: () => 2, compensate: 'none' }),
      ],
    });
    const happy = sagaPaths(saga).find((p) => p.name === 'all steps succeed -> Completed');
    if (happy === undefined) throw new Error('no happy path');

    const violation = await violationOf(runSagaPath(saga, happy, { eventData: { approve: { approvedBy: 42 } } }));

    expect(violation.kind).toBe('refused');
    expect(violation.step).toBe('approve');
    expect(violation.message).toContain('"manager.approved" for "approve" was refused');
    expect(violation.message).toContain('data.approvedBy');
    expect(violation.message).toContain("eventData is keyed by step name: { approve: <the event's data> }");
  });

  it('should refuse event data not keyed by an awaited step, saying how it is keyed', async () => {
    const saga = defineSaga({
      name: 'approval-keys',
      version: 1,
      input: z.object({}),
      steps: [awaitEvent('approve', { event: 'manager.approved', schema: z.object({ approvedBy: z.string() }) })],
    });
    const [path] = sagaPaths(saga);
    if (path === undefined) throw new Error('no path');

    // The event's own data where data keyed by step name belongs.
    const error = await runSagaPath(saga, path, { eventData: { approvedBy: 'grace' } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SagaDataError);
    expect((error as Error).message).toBe(
      'eventData is keyed by the name of an awaitEvent step, e.g. { approve: <the data of "manager.approved"> }; "approvedBy" is not an awaitEvent step of approval-keys (its awaitEvent steps: approve)',
    );
  });
});
