import { describe, expect, it } from 'vitest';
import { memoryStore, type CommitResult, type ExecutionWrite, type SagaStore } from '../src/index.js';
import { GroupCommitter } from '../src/runtime/GroupCommitter.js';
import { write } from './fixtures/storeWrites.js';

/** A memory store whose commits stay in flight until the test lets each one through, in any order. */
async function heldStore(): Promise<SagaStore & { batches: { ids: string[]; release: () => void }[] }> {
  const inner = memoryStore();
  await inner.init();
  const store = Object.assign(Object.create(inner) as SagaStore, {
    batches: [] as { ids: string[]; release: () => void }[],
    async commit(writes: readonly ExecutionWrite[]): Promise<CommitResult> {
      await new Promise<void>((release) => store.batches.push({ ids: writes.map((w) => w.execution.id), release }));
      return inner.commit(writes);
    },
  });
  return store;
}

const noop = () => undefined;
const handlers = { committed: noop, failed: noop, unwritable: noop, lost: noop };
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit with batches in flight', () => {
  it('should send a second batch while the first commits, holding back the executions of the first', async () => {
    const store = await heldStore();
    const committer = new GroupCommitter(store, handlers);
    committer.enqueue('a', 1, () => write('a', 1, 0, 1));
    await tick();
    expect(store.batches.map((b) => b.ids)).toEqual([['a']]);
    // While a's first write commits: b moves, and a moves again.
    committer.enqueue('b', 1, () => write('b', 1, 0, 1));
    committer.enqueue('a', 2, () => write('a', 2, 1, 1));
    await tick();
    expect(store.batches.map((b) => b.ids)).toEqual([['a'], ['b']]);
    const aDurable = committer.durable('a');
    store.batches[0]?.release();
    await tick();
    await tick();
    // a's second write goes only once its first is durable.
    expect(store.batches.map((b) => b.ids)).toEqual([['a'], ['b'], ['a']]);
    store.batches[1]?.release();
    store.batches[2]?.release();
    await aDurable;
    await committer.idle();
    expect((await store.get('a'))?.revision).toBe(2);
    expect((await store.journal('a')).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('should keep at most two batches in flight', async () => {
    const store = await heldStore();
    const committer = new GroupCommitter(store, handlers);
    for (const id of ['a', 'b', 'c']) {
      committer.enqueue(id, 1, () => write(id, 1, 0, 1));
      await tick();
    }
    expect(store.batches.map((b) => b.ids)).toEqual([['a'], ['b']]);
    store.batches[1]?.release();
    await tick();
    await tick();
    expect(store.batches.map((b) => b.ids)).toEqual([['a'], ['b'], ['c']]);
    store.batches[0]?.release();
    store.batches[2]?.release();
    await committer.idle();
    expect(await store.countByStatus()).toEqual([{ saga: 'contract', status: 'Running', count: 3 }]);
  });
});
