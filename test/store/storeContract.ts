import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SagaInputError, StoreError, type SagaStore } from '../../src/index.js';
import { execution, write } from '../fixtures/storeWrites.js';

/**
 * The behaviour every SagaStore must have. Each store's test file calls this
 * with a factory for a fresh, empty store.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<SagaStore>): void {
  describe(`${name} store contract`, () => {
    let store: SagaStore;

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });

    afterEach(async () => {
      await store.close();
    });

    it('should read back what it committed, journal included', async () => {
      await store.commit([write('e1', 1, 0, 2, { idempotencyKey: 'k1' })]);
      // A store many engines share also says which engine holds it.
      expect(await store.get('e1')).toMatchObject(execution({ id: 'e1', lastSeq: 2, idempotencyKey: 'k1' }));
      expect((await store.getByIdempotencyKey('k1'))?.id).toBe('e1');
      expect(await store.journal('e1')).toEqual([
        { seq: 1, at: 1_000, type: 'StepStarted', step: 'a', attempt: 1, data: { n: 0 } },
        { seq: 2, at: 1_001, type: 'StepStarted', step: 'a', attempt: 1, data: { n: 1 } },
      ]);
      expect(await store.journal('e1', 1)).toHaveLength(1);
      expect(await store.get('nope')).toBeUndefined();
      expect(await store.journal('nope')).toEqual([]);
    });

    it('should keep what it stored when a caller changes what it wrote or read', async () => {
      const written = write('e1', 1, 0, 1, { idempotencyKey: 'k1' });
      await store.commit([written]);
      (written.journal[0]?.data as { n: number }).n = 7;
      (written.execution as { status: string }).status = 'Failed';
      const read = (await store.get('e1')) as { status: string };
      read.status = 'Completed';
      const [entry] = (await store.journal('e1')) as { type: string; data: { n: number } }[];
      if (entry !== undefined) {
        entry.type = 'SagaFailed';
        entry.data.n = 8;
      }
      const [fed] = await store.feed(0, 10);
      (fed?.entry.data as { n: number }).n = 9;
      ((await store.getByIdempotencyKey('k1')) as { revision: number }).revision = 99;
      ((await store.list()).items[0] as { lastSeq: number }).lastSeq = 99;
      expect(await store.get('e1')).toMatchObject({ status: 'Running', revision: 1, lastSeq: 1 });
      expect(await store.journal('e1')).toEqual([expect.objectContaining({ type: 'StepStarted', data: { n: 0 } })]);
      expect((await store.feed(0, 10))[0]?.entry).toMatchObject({ type: 'StepStarted', data: { n: 0 } });
    });

    it('should update an execution and append to its journal', async () => {
      await store.commit([write('e1', 1, 0, 1)]);
      await store.commit([write('e1', 2, 1, 2, { status: 'Completed' })]);
      expect((await store.get('e1'))?.status).toBe('Completed');
      expect((await store.journal('e1')).map((e) => e.seq)).toEqual([1, 2, 3]);
    });

    it('should write nothing of a batch when one write breaks a rule', async () => {
      await store.commit([write('e1', 2, 0, 1)]);
      const error = await store.commit([write('e2', 1, 0, 1), write('e1', 2, 1, 1)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toMatch(/revision 2 does not follow stored revision 2/);
      expect(await store.get('e2')).toBeUndefined();
      expect(await store.journal('e1')).toHaveLength(1);
    });

    it('should refuse a journal with a gap', async () => {
      await store.commit([write('e1', 1, 0, 1)]);
      await expect(store.commit([write('e1', 2, 2, 1)])).rejects.toThrow(/journal seq 3 should be 2/);
      expect((await store.get('e1'))?.revision).toBe(1);
    });

    it('should refuse an idempotency key that belongs to another execution', async () => {
      await store.commit([write('e1', 1, 0, 1, { idempotencyKey: 'same' })]);
      await expect(store.commit([write('e2', 1, 0, 1, { idempotencyKey: 'same' })])).rejects.toThrow(
        /already belongs to execution "e1"/,
      );
      expect(await store.get('e2')).toBeUndefined();
    });

    it('should list newest first with filters and stable cursor paging', async () => {
      const statuses = ['Running', 'Completed', 'Failed', 'Compensated', 'Running'] as const;
      await store.commit(
        statuses.map((status, i) =>
          write(`e${i}`, 1, 0, 0, { status, createdAt: 1_000 + (i % 3), saga: i % 2 === 0 ? 'even' : 'odd' }),
        ),
      );
      const all = await store.list();
      expect(all.items.map((e) => e.id)).toEqual(['e2', 'e4', 'e1', 'e3', 'e0']);
      expect(all.nextCursor).toBeNull();
      const pages: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        pages.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(pages).toEqual(['e2', 'e4', 'e1', 'e3', 'e0']);
      expect((await store.list({ status: 'Running' })).items.map((e) => e.id)).toEqual(['e4', 'e0']);
      expect((await store.list({ status: ['Failed', 'Completed'] })).items.map((e) => e.id)).toEqual(['e2', 'e1']);
      expect((await store.list({ saga: 'odd' })).items.map((e) => e.id)).toEqual(['e1', 'e3']);
      expect((await store.list({ createdAfter: 1_001, createdBefore: 1_002 })).items.map((e) => e.id)).toEqual([
        'e4',
        'e1',
      ]);
    });

    it('should list the executions whose id starts with a prefix', async () => {
      await store.commit([write('order-1', 1, 0, 0), write('order-2', 1, 0, 0), write('loan-1', 1, 0, 0)]);
      await store.commit([write('o%_x', 1, 0, 0, { createdAt: 999 })]);
      const ids = async (idPrefix: string) => (await store.list({ idPrefix })).items.map((e) => e.id).sort();
      expect(await ids('order-')).toEqual(['order-1', 'order-2']);
      expect(await ids('loan')).toEqual(['loan-1']);
      // The prefix is text, not a pattern.
      expect(await ids('o%')).toEqual(['o%_x']);
      expect(await ids('x')).toEqual([]);
    });

    it('should list the executions whose input has a field equal to a value', async () => {
      const withInput = (id: string, input: unknown) =>
        write(id, 1, 0, 0, { snapshot: JSON.stringify({ value: { Running: 'a' }, context: { input } }) });
      await store.commit([
        withInput('a', { customerId: 'c1', amount: 40, vip: true, address: { city: 'Oslo' }, items: [{ sku: 'S1' }] }),
        withInput('b', {
          customerId: 'c2',
          amount: 40.5,
          vip: false,
          address: { city: 'Rome' },
          items: [{ sku: 'S2' }],
        }),
        withInput('c', { customerId: '40', amount: 7 }),
      ]);
      const ids = async (path: string, value: string) =>
        (await store.list({ inputField: { path, value } })).items.map((e) => e.id).sort();
      expect(await ids('customerId', 'c1')).toEqual(['a']);
      expect(await ids('amount', '40')).toEqual(['a']);
      expect(await ids('amount', '40.5')).toEqual(['b']);
      // "40" finds the number 40 and the string "40".
      expect(await ids('customerId', '40')).toEqual(['c']);
      expect(await ids('vip', 'false')).toEqual(['b']);
      expect(await ids('address.city', 'Rome')).toEqual(['b']);
      expect(await ids('items.0.sku', 'S1')).toEqual(['a']);
      expect(await ids('missing', 'c1')).toEqual([]);
      await expect(store.list({ inputField: { path: "a'); DROP", value: 'x' } })).rejects.toBeInstanceOf(
        SagaInputError,
      );
    });

    it('should list the unfinished executions whose timer is overdue (stuck past their timeouts)', async () => {
      await store.commit([
        write('late', 1, 0, 0, { status: 'Running', wakeAt: 1_000 }),
        write('lateUndo', 1, 0, 0, { status: 'Compensating', wakeAt: 1_500, parked: true }),
        write('soon', 1, 0, 0, { status: 'Running', wakeAt: 9_000 }),
        write('noTimer', 1, 0, 0, { status: 'Running', wakeAt: null }),
        write('done', 1, 0, 0, { status: 'Completed', wakeAt: 1_000 }),
      ]);
      const stuck = await store.list({ overdueBefore: 2_000 });
      expect(stuck.items.map((e) => e.id).sort()).toEqual(['late', 'lateUndo']);
    });

    it('should refuse a bad cursor and a bad limit with SagaInputError', async () => {
      await expect(store.list({ cursor: 'garbage' })).rejects.toBeInstanceOf(SagaInputError);
      await expect(store.list({ limit: 0 })).rejects.toThrow(/Invalid limit 0/);
    });

    it('should take over the unfinished executions that are not parked, each with a new fence', async () => {
      await store.commit([
        write('run', 1, 0, 0, { status: 'Running' }),
        write('comp', 1, 0, 0, { status: 'Compensating' }),
        write('fail', 1, 0, 0, { status: 'Failed' }),
        write('done', 1, 0, 0, { status: 'Completed' }),
        write('undone', 1, 0, 0, { status: 'Compensated' }),
        write('parked', 1, 0, 0, { status: 'Running', parked: true, wakeAt: 5_000 }),
        write('parkedFail', 1, 0, 0, { status: 'Failed', parked: true }),
      ]);
      const taken = await store.takeOverHeld();
      expect(taken.map((e) => e.id).sort()).toEqual(['comp', 'fail', 'run']);
      expect(taken.map((e) => e.fence)).toEqual([2, 2, 2]);
      expect((await store.get('run'))?.fence).toBe(2);
      expect((await store.get('parked'))?.fence).toBe(1);
    });

    it("should leave out a stale holder's writes, name them lost, and write the rest of the batch", async () => {
      await store.commit([write('a', 1, 0, 1), write('b', 1, 0, 1)]);
      await store.takeOverHeld();
      // The old holder (fence 1) writes a and b; the new one (fence 2) writes b.
      const result = await store.commit([write('a', 2, 1, 1), write('b', 2, 1, 1, { fence: 2 }), write('c', 1, 0, 1)]);
      expect(result.lost).toEqual(['a']);
      expect(await store.get('a')).toMatchObject({ revision: 1, fence: 2 });
      expect(await store.journal('a')).toHaveLength(1);
      expect(await store.get('b')).toMatchObject({ revision: 2, fence: 2 });
      expect(await store.get('c')).toMatchObject({ revision: 1, fence: 1 });
      expect((await store.commit([write('a', 2, 1, 1, { fence: 2 })])).lost).toEqual([]);
      expect((await store.journal('a')).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('should keep wakeAt and parked with the execution', async () => {
      await store.commit([write('e1', 1, 0, 0, { parked: true, wakeAt: 7_000 })]);
      expect(await store.get('e1')).toMatchObject({ parked: true, wakeAt: 7_000 });
      await store.commit([write('e1', 2, 0, 0)]);
      expect(await store.get('e1')).toMatchObject({ parked: false, wakeAt: null });
    });

    it('should claim due parked executions once, earliest first, in batches', async () => {
      await store.commit([
        write('late', 1, 0, 0, { parked: true, wakeAt: 3_000 }),
        write('early', 1, 0, 0, { parked: true, wakeAt: 1_000 }),
        write('mid', 1, 0, 0, { parked: true, wakeAt: 2_000 }),
        write('never', 1, 0, 0, { parked: true, wakeAt: null }),
        write('held', 1, 0, 0, { parked: false, wakeAt: 500 }),
        write('done', 1, 0, 0, { status: 'Completed', parked: true, wakeAt: 500 }),
      ]);
      const first = await store.claimDue(2_500, 1);
      expect(first.claimed.map((c) => c.execution.id)).toEqual(['early']);
      expect(first.claimed[0]?.execution).toMatchObject({ parked: false, fence: 2 });
      expect((await store.get('early'))?.fence).toBe(2);
      expect(first.nextWakeAt).toBe(2_000);
      const second = await store.claimDue(2_500, 10);
      expect(second.claimed.map((c) => c.execution.id)).toEqual(['mid']);
      expect(second.nextWakeAt).toBe(3_000);
      expect((await store.claimDue(2_500, 10)).claimed).toEqual([]);
      expect((await store.get('early'))?.parked).toBe(false);
      expect((await store.takeOverHeld()).map((e) => e.id).sort()).toEqual(['early', 'held', 'mid']);
    });

    it('should append commands in order, wake a parked execution, and hand them over with the claim', async () => {
      await store.commit([
        write('p', 1, 0, 0, { parked: true, wakeAt: null }),
        write('f', 1, 0, 0, { status: 'Compensated' }),
      ]);
      const appended = await store.appendCommands([
        { executionId: 'p', body: { kind: 'send', event: { type: 'go', data: { n: 1 } } }, at: 2_000 },
        { executionId: 'missing', body: { kind: 'retry' }, at: 2_000 },
        { executionId: 'f', body: { kind: 'cancel', reason: 'x' }, at: 2_000 },
        { executionId: 'p', body: { kind: 'cancel', reason: 'stop' }, at: 2_001 },
      ]);
      expect(appended[1]).toBeUndefined();
      expect(appended[2]).toBeUndefined();
      const [go, , , stop] = appended;
      expect(go).toMatchObject({
        executionId: 'p',
        body: { kind: 'send', event: { type: 'go', data: { n: 1 } } },
        at: 2_000,
      });
      expect(stop?.id).toBeGreaterThan(go?.id ?? Infinity);
      expect((await store.get('p'))?.wakeAt).toBe(2_000);
      expect(await store.pendingCommands('p')).toEqual([go, stop]);
      expect((await store.claimDue(1_999, 10)).claimed).toEqual([]);
      const { claimed } = await store.claimDue(2_000, 10);
      expect(claimed).toEqual([
        { execution: expect.objectContaining({ id: 'p', parked: false }) as unknown, commands: [go, stop] },
      ]);
      expect(await store.getCommand(go?.id ?? 0)).toMatchObject({ state: 'pending' });
    });

    it('should keep an execution due when it parks with a command still pending', async () => {
      await store.commit([write('p', 1, 0, 0)]);
      const [first, second] = await store.appendCommands([
        { executionId: 'p', body: { kind: 'retry' }, at: 2_000 },
        { executionId: 'p', body: { kind: 'retry' }, at: 2_100 },
      ]);
      // The engine settled the first command while the second was appended, and parks.
      await store.commit([
        { ...write('p', 2, 0, 0, { parked: true, wakeAt: 9_000 }), commands: [{ id: first?.id ?? 0 }] },
      ]);
      expect(await store.get('p')).toMatchObject({ parked: true, wakeAt: 2_100 });
      const { claimed } = await store.claimDue(2_100, 10);
      expect(claimed.map((c) => c.commands)).toEqual([[second]]);
    });

    it('should settle each command once, with the write of its own execution', async () => {
      await store.commit([write('a', 1, 0, 0), write('b', 1, 0, 0)]);
      const [one, two] = await store.appendCommands([
        { executionId: 'a', body: { kind: 'retry' }, at: 1 },
        { executionId: 'a', body: { kind: 'send', event: { type: 'nope' } }, at: 1 },
      ]);
      const refusal = { name: 'InvalidOperationError', code: 'INVALID_OPERATION', message: 'not waiting' };
      await expect(store.commit([{ ...write('b', 2, 0, 1), commands: [{ id: one?.id ?? 0 }] }])).rejects.toThrow(
        /command \d+ is not in its inbox/,
      );
      expect((await store.get('b'))?.revision).toBe(1);
      await store.commit([{ ...write('a', 2, 0, 1), commands: [{ id: one?.id ?? 0 }, { id: two?.id ?? 0, refusal }] }]);
      expect(await store.pendingCommands('a')).toEqual([]);
      expect(await store.getCommand(one?.id ?? 0)).toMatchObject({ state: 'applied' });
      expect(await store.getCommand(two?.id ?? 0)).toMatchObject({ state: 'refused', refusal });
      await expect(store.commit([{ ...write('a', 3, 1, 0), commands: [{ id: one?.id ?? 0 }] }])).rejects.toThrow(
        /command \d+ is settled/,
      );
      expect((await store.get('a'))?.revision).toBe(2);
      expect(await store.getCommand(999_999)).toBeUndefined();
    });

    it('should give every committed entry a growing feed position, across executions', async () => {
      expect(await store.feedEnd()).toBe(0);
      await store.commit([write('a', 1, 0, 2, { saga: 'x' }), write('b', 1, 0, 1, { saga: 'y' })]);
      await store.commit([write('a', 2, 2, 1, { saga: 'x' })]);
      const all = await store.feed(0, 100);
      expect(all.map((f) => [f.executionId, f.saga, f.entry.seq])).toEqual([
        ['a', 'x', 1],
        ['a', 'x', 2],
        ['b', 'y', 1],
        ['a', 'x', 3],
      ]);
      const positions = all.map((f) => f.position);
      expect([...positions].sort((p, q) => p - q)).toEqual(positions);
      expect(new Set(positions).size).toBe(4);
      expect(await store.feedEnd()).toBe(positions.at(-1));
      expect((await store.feed(positions[1] ?? 0, 1)).map((f) => f.entry.seq)).toEqual([1]);
    });

    it('should keep every entry of a large batch, in commit order, with its data', async () => {
      // 70 executions with 3 entries each: more rows than one multi-row insert takes.
      const ids = Array.from({ length: 70 }, (_, i) => `e${String(i).padStart(2, '0')}`);
      await store.commit(ids.map((id) => write(id, 1, 0, 3)));
      await store.commit(ids.map((id) => write(id, 2, 3, 1)));
      const all = await store.feed(0, 1000);
      expect(all.map((f) => `${f.executionId}:${f.entry.seq}`)).toEqual([
        ...ids.flatMap((id) => [`${id}:1`, `${id}:2`, `${id}:3`]),
        ...ids.map((id) => `${id}:4`),
      ]);
      expect(await store.journal('e69')).toEqual([
        expect.objectContaining({ seq: 1, type: 'StepStarted', step: 'a', attempt: 1, data: { n: 0 } }),
        expect.objectContaining({ seq: 2, data: { n: 1 } }),
        expect.objectContaining({ seq: 3, data: { n: 2 } }),
        expect.objectContaining({ seq: 4, data: { n: 0 } }),
      ]);
    });

    it('should keep outbox messages with the write that sends them, oldest first, until deleted', async () => {
      const message = (id: string) => ({
        id,
        executionId: 'e1',
        subject: 'stock.reserve',
        body: JSON.stringify({ key: id }),
        headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        createdAt: 5,
      });
      await store.commit([{ ...write('e1', 1, 0, 1), outbox: [message('e1:a#1'), message('e1:b#1')] }]);
      // A resumed step sends its command again: the message id already there is kept once.
      await store.commit([{ ...write('e1', 2, 1, 1), outbox: [message('e1:a#1')] }]);
      expect(await store.outbox(10)).toEqual([message('e1:a#1'), message('e1:b#1')]);
      expect(await store.outbox(1)).toEqual([message('e1:a#1')]);
      await store.deleteOutbox(['e1:a#1', 'unknown']);
      expect((await store.outbox(10)).map((m) => m.id)).toEqual(['e1:b#1']);
    });

    it('should write no outbox message of a batch that breaks a rule', async () => {
      await store.commit([write('e1', 2, 0, 1)]);
      const broken = {
        ...write('e1', 2, 1, 1),
        outbox: [{ id: 'x#1', executionId: 'e1', subject: 's', body: '{}', headers: {}, createdAt: 1 }],
      };
      await expect(store.commit([broken])).rejects.toBeInstanceOf(StoreError);
      expect(await store.outbox(10)).toEqual([]);
    });

    it('should count executions by saga and status', async () => {
      await store.commit([
        write('a', 1, 0, 0, { status: 'Running', saga: 'x' }),
        write('b', 1, 0, 0, { status: 'Running', saga: 'x' }),
        write('c', 1, 0, 0, { status: 'Failed', saga: 'y' }),
      ]);
      const counts = await store.countByStatus();
      expect([...counts].sort((p, q) => p.saga.localeCompare(q.saga))).toEqual([
        { saga: 'x', status: 'Running', count: 2 },
        { saga: 'y', status: 'Failed', count: 1 },
      ]);
    });

    it('should refuse use after close with StoreError', async () => {
      await store.close();
      await expect(Promise.resolve().then(() => store.get('e1'))).rejects.toBeInstanceOf(StoreError);
      await store.init();
    });
  });
}
