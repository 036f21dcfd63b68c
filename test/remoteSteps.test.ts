import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  defineSaga,
  memoryStore,
  remote,
  step,
  type ExecutionWrite,
  type RemoteCommand,
  type RemoteReply,
  type SagaEngine,
  type SagaStore,
} from '../src/index.js';
import { startEngine } from './fixtures/engine.js';
import { until } from './fixtures/until.js';

const order = (timeoutMs?: number) =>
  defineSaga({
    name: 'remote-order',
    version: 1,
    input: z.object({ orderId: z.string(), qty: z.number() }),
    steps: [
      step('reserve', {
        run: remote('inventory.reserve', ({ input }) => ({ sku: 'A', qty: input.qty })),
        compensate: remote('inventory.release'),
        ...(timeoutMs === undefined ? {} : { timeoutMs, retry: { maxAttempts: 2, initialDelayMs: 1 } }),
      }),
      step('charge', { run: remote('payments.charge'), compensate: remote('payments.refund') }),
    ],
  });

/** The commands in the engine's outbox, published (taken out) by this test acting as the relay. */
async function take(engine: SagaEngine, count: number): Promise<RemoteCommand[]> {
  let taken: RemoteCommand[] = [];
  await until(async () => {
    const pending = await engine.remote.pending();
    taken = pending.map((m) => JSON.parse(m.body) as RemoteCommand);
    return taken.length >= count;
  });
  await engine.remote.published((await engine.remote.pending()).map((m) => m.id));
  return taken;
}

const ok = (command: RemoteCommand, output: unknown): RemoteReply => ({
  v: 1,
  key: command.key,
  executionId: command.executionId,
  step: command.step,
  kind: command.kind,
  attempt: command.attempt,
  ok: true,
  output,
});

const failed = (command: RemoteCommand, message: string, permanent = true): RemoteReply => ({
  ...ok(command, null),
  ok: false,
  error: { name: 'OutOfStock', message, permanent },
});

/** A store that records what each commit wrote. */
function recordingStore(): { store: SagaStore; commits: ExecutionWrite[][] } {
  const inner = memoryStore();
  const commits: ExecutionWrite[][] = [];
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'commit') {
        return (writes: ExecutionWrite[]) => {
          commits.push(writes);
          return target.commit(writes);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { store, commits };
}

describe('remote steps', () => {
  it('should complete a saga whose steps are done by replies to their commands', async () => {
    const saga = order();
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { orderId: 'o1', qty: 2 });
    const [reserve] = await take(engine, 1);
    expect(reserve).toMatchObject({
      key: `${id}:reserve`,
      kind: 'run',
      subject: 'inventory.reserve',
      attempt: 1,
      payload: { sku: 'A', qty: 2 },
    });
    await engine.remote.deliver([ok(reserve!, { reservation: 'r1' })]);
    const [charge] = await take(engine, 1);
    expect(charge).toMatchObject({ subject: 'payments.charge', payload: { orderId: 'o1', qty: 2 } });
    await engine.remote.deliver([ok(charge!, { paid: true })]);
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Completed');
    expect(outcome.results).toEqual({ reserve: { reservation: 'r1' }, charge: { paid: true } });
  });

  it('should write the command in the same commit as the state that starts its step', async () => {
    const saga = order();
    const { store, commits } = recordingStore();
    const engine = await startEngine([saga], store);
    const { id } = await engine.execute(saga, { orderId: 'o1', qty: 1 });
    await take(engine, 1);
    const withOutbox = commits.flat().filter((w) => (w.outbox ?? []).length > 0);
    expect(withOutbox).toHaveLength(1);
    expect(withOutbox[0]!.journal.map((e) => e.type)).toContain('StepStarted');
    expect(withOutbox[0]!.outbox![0]!.id).toBe(`${id}:reserve#1`);
  });

  it('should compensate with remote compensations when a participant refuses', async () => {
    const saga = order();
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { orderId: 'o1', qty: 1 });
    const [reserve] = await take(engine, 1);
    await engine.remote.deliver([ok(reserve!, { reservation: 'r1' })]);
    const [charge] = await take(engine, 1);
    await engine.remote.deliver([failed(charge!, 'card declined')]);
    const [release] = await take(engine, 1);
    expect(release).toMatchObject({
      kind: 'compensate',
      key: `${id}:reserve:compensate`,
      forwardKey: `${id}:reserve`,
      outcome: 'completed',
      result: { reservation: 'r1' },
    });
    await engine.remote.deliver([ok(release!, null)]);
    expect((await engine.waitFor(id)).status).toBe('Compensated');
  });

  it('should journal and ignore a duplicate reply', async () => {
    const saga = order();
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { orderId: 'o1', qty: 1 });
    const [reserve] = await take(engine, 1);
    await engine.remote.deliver([ok(reserve!, { reservation: 'r1' }), ok(reserve!, { reservation: 'r2' })]);
    const [charge] = await take(engine, 1);
    await engine.remote.deliver([ok(charge!, {})]);
    const outcome = await engine.waitFor(id);
    expect(outcome.results['reserve']).toEqual({ reservation: 'r1' });
    const ignored = (await engine.journal(id)).filter((e) => e.type === 'ReplyIgnored');
    expect(ignored).toHaveLength(1);
    expect(ignored[0]).toMatchObject({ step: 'reserve', attempt: 1 });
    expect((ignored[0]!.data as { why: string }).why).toMatch(/^duplicate/);
  });

  it('should journal and ignore a reply that arrives after its attempt timed out', async () => {
    const saga = order(30);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { orderId: 'o1', qty: 1 });
    const [first] = await take(engine, 1);
    // The attempt times out; its retry sends the same key as attempt 2.
    const [second] = await take(engine, 1);
    expect(second).toMatchObject({ key: first!.key, attempt: 2 });
    await engine.remote.deliver([ok(first!, { reservation: 'late' })]);
    await engine.remote.deliver([ok(second!, { reservation: 'r2' })]);
    const [charge] = await take(engine, 1);
    await engine.remote.deliver([ok(charge!, {})]);
    const outcome = await engine.waitFor(id);
    expect(outcome.results['reserve']).toEqual({ reservation: 'r2' });
    const ignored = (await engine.journal(id)).filter((e) => e.type === 'ReplyIgnored');
    expect(ignored.map((e) => (e.data as { why: string }).why)).toEqual([expect.stringMatching(/^late/)]);
  });

  it('should journal and ignore a reply that arrives after the compensation started', async () => {
    const saga = defineSaga({
      name: 'remote-late',
      version: 1,
      input: z.object({}),
      steps: [
        step('reserve', { run: remote('stock.reserve'), compensate: remote('stock.release') }),
        step('charge', { run: remote('pay.charge'), compensate: 'none', timeoutMs: 30 }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const [reserve] = await take(engine, 1);
    await engine.remote.deliver([ok(reserve!, { hold: 1 })]);
    const [charge] = await take(engine, 1);
    // The charge times out: the reservation's compensation is sent before the charge's reply comes.
    const [release] = await take(engine, 1);
    expect(release).toMatchObject({ kind: 'compensate', step: 'reserve' });
    await engine.remote.deliver([ok(charge!, { paid: true })]);
    await engine.remote.deliver([ok(release!, null)]);
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.results['charge']).toBeUndefined();
    const ignored = (await engine.journal(id)).filter((e) => e.type === 'ReplyIgnored');
    expect(ignored).toMatchObject([{ step: 'charge', attempt: 1, data: { why: expect.stringMatching(/^late/) } }]);
  });

  it('should say which replies found no unfinished execution', async () => {
    const saga = order();
    const engine = await startEngine([saga]);
    const stray = ok(
      { key: 'nope:reserve', executionId: 'nope', step: 'reserve', kind: 'run', attempt: 1 } as RemoteCommand,
      null,
    );
    expect(await engine.remote.deliver([stray])).toEqual([false]);
  });

  it('should list the subjects its sagas send to', async () => {
    const engine = await startEngine([order()]);
    expect(engine.remote.subjects()).toEqual([
      'inventory.release',
      'inventory.reserve',
      'payments.charge',
      'payments.refund',
    ]);
  });
});
