import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  defineSaga,
  ExecutionNotFoundError,
  InvalidOperationError,
  memoryStore,
  SagaEngine,
  UnknownSagaError,
} from '../src/index.js';
import { startEngine } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

const r = recorder();
const saga = defineSaga({ name: 'ops', version: 1, input: z.object({}), steps: [r.step('a')] });

describe('operations on unknown or finished executions', () => {
  it('should name an unknown saga', async () => {
    const engine = await startEngine([saga]);
    const error = await engine.execute('nope', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownSagaError);
    expect((error as Error).message).toBe('Unknown saga "nope": no saga of that name is registered');
  });

  it.each([
    ['get', (e: SagaEngine) => e.get('missing')],
    ['waitFor', (e: SagaEngine) => e.waitFor('missing')],
    ['journal', (e: SagaEngine) => e.journal('missing')],
    ['send', (e: SagaEngine) => e.send('missing', { type: 'x' })],
    ['cancel', (e: SagaEngine) => e.cancel('missing')],
    ['retry', (e: SagaEngine) => e.retry('missing')],
  ])('should throw ExecutionNotFoundError from %s for an unknown id', async (_, call) => {
    const engine = await startEngine([saga]);
    const error = await call(engine).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionNotFoundError);
    expect((error as ExecutionNotFoundError).executionId).toBe('missing');
  });

  it('should refuse send, cancel and retry on a finished execution', async () => {
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await engine.waitFor(id);
    for (const call of [() => engine.send(id, { type: 'x' }), () => engine.cancel(id), () => engine.retry(id)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOperationError);
      expect((error as Error).message).toMatch(/Completed/);
    }
    expect((await engine.journal(id)).at(-1)?.type).toBe('SagaCompleted');
  });

  it('should ask for start() before use', async () => {
    const engine = new SagaEngine({ store: memoryStore(), sagas: [saga] });
    await expect(engine.execute(saga, {})).rejects.toThrow('Call engine.start() before using the engine');
  });

  it('should list executions newest first with filters and cursor paging', async () => {
    const engine = await startEngine([saga]);
    for (let i = 0; i < 5; i += 1) {
      await engine.waitFor((await engine.execute(saga, {}, { executionId: `e${i}` })).id);
    }
    const first = await engine.list({ limit: 2, saga: 'ops', status: 'Completed' });
    expect(first.items).toHaveLength(2);
    const second = await engine.list({ limit: 2, cursor: first.nextCursor ?? '' });
    const third = await engine.list({ limit: 2, cursor: second.nextCursor ?? '' });
    const ids = [...first.items, ...second.items, ...third.items].map((e) => e.id);
    expect(new Set(ids).size).toBe(5);
    expect(third.nextCursor).toBeNull();
    expect((await engine.list({ status: 'Failed' })).items).toEqual([]);
  });
});
