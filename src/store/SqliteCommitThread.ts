import { existsSync } from 'node:fs';
// Aliased: bundles that add an ESM banner (`import { createRequire } from 'node:module'`) declare that name too.
import { createRequire as requireFrom } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../definition/errors.js';
import type { ExecutionWrite } from './SagaStore.js';

/** What the commit thread needs to open the file as the writer of the engine that holds it. @internal */
export interface CommitThreadData {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly lockTtlMs: number | undefined;
  /** The lock holder (the store on the main thread) whose lock every commit checks. */
  readonly holder: string;
}

/** Messages from the commit thread. @internal */
export type CommitThreadReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'open-failed'; readonly message: string }
  | { readonly kind: 'closed' }
  | { readonly kind: 'done'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string; readonly executionId?: string };

/** Messages to the commit thread. @internal */
export type CommitThreadRequest =
  | { readonly kind: 'open'; readonly data: CommitThreadData }
  | { readonly kind: 'commit'; readonly id: number; readonly writes: readonly ExecutionWrite[] }
  | { readonly kind: 'close' };

interface Waiting {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: StoreError) => void;
}

/**
 * A worker thread that holds one store's connection at a time. When a store
 * closes, its worker waits (without keeping the process alive) for the next
 * store to open, so opening a store costs a connection, not a thread: an app
 * or a test that reopens its store often (path testing restores after every
 * simulated crash) starts one thread.
 */
class CommitWorker {
  readonly worker: Worker;
  owner: SqliteCommitThread | undefined;
  dead = false;

  constructor(source: WorkerSource) {
    this.worker = 'url' in source ? new Worker(source.url) : new Worker(source.code, { eval: true });
    this.worker.unref();
    this.worker.on('message', (reply: CommitThreadReply) => this.owner?.onReply(reply));
    this.worker.on('error', (error) => this.died(error));
    this.worker.on('exit', (code) => this.died(new Error(`it exited with code ${code}`)));
  }

  private died(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    const idle = idleWorkers.indexOf(this);
    if (idle >= 0) idleWorkers.splice(idle, 1);
    this.owner?.onDeath(error);
  }
}

/** Workers whose store closed, ready for the next one. */
const idleWorkers: CommitWorker[] = [];

/**
 * The SQLite store's writer on a thread of its own: a worker thread owns a
 * second connection to the file and runs every commit there (the same
 * transaction, lock check included), so the main thread keeps running
 * transitions and requests while SQLite writes pages and waits for the disk.
 * A commit resolves once its transaction is durable, as on the main thread;
 * commits run one after another in the order they were sent.
 *
 * @internal
 */
export class SqliteCommitThread {
  private worker: CommitWorker | undefined;
  private opening: { readonly resolve: () => void; readonly reject: (error: StoreError) => void } | undefined;
  private closing: (() => void) | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private last: Promise<unknown> = Promise.resolve();
  private nextId = 0;

  private constructor(
    private readonly source: WorkerSource,
    private readonly data: CommitThreadData,
  ) {}

  /** A commit thread for this store, or undefined where its code cannot be found (e.g. a bundled app). */
  static for(data: CommitThreadData): SqliteCommitThread | undefined {
    const source = workerSource();
    return source === undefined ? undefined : new SqliteCommitThread(source, data);
  }

  /** Opens the store's connection on a thread (an idle one, or a new one); resolves once it is open. */
  start(): Promise<void> {
    const worker = idleWorkers.pop() ?? new CommitWorker(this.source);
    worker.owner = this;
    worker.worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.opening = {
        resolve: () => {
          this.worker = worker;
          resolve();
        },
        reject: (error) => {
          this.release(worker);
          reject(error);
        },
      };
      worker.worker.postMessage({ kind: 'open', data: this.data } satisfies CommitThreadRequest);
    });
  }

  /** Runs one commit on the thread; resolves with its result once durable. */
  commit<TResult>(writes: readonly ExecutionWrite[]): Promise<TResult> {
    const worker = this.worker;
    // The thread died (the commits it had failed): this one starts another.
    if (worker === undefined) return this.start().then(() => this.commit<TResult>(writes));
    const done = new Promise<TResult>((resolve, reject) => {
      const id = (this.nextId += 1);
      if (this.waiting.size === 0) worker.worker.ref();
      this.waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
      worker.worker.postMessage({ kind: 'commit', id, writes } satisfies CommitThreadRequest);
    });
    this.last = done.catch(() => undefined);
    return done;
  }

  /** True while a commit is in flight. */
  get busy(): boolean {
    return this.waiting.size > 0;
  }

  /** Resolves when no commit is in flight (the file's write lock is free for the main connection). */
  async idle(): Promise<void> {
    while (this.busy) await this.last;
  }

  /** Waits for the commits in flight, then closes the thread's connection; the thread waits for the next store. */
  async close(): Promise<void> {
    await this.idle();
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined || worker.dead) return;
    await new Promise<void>((resolve) => {
      this.closing = resolve;
      worker.worker.ref();
      worker.worker.postMessage({ kind: 'close' } satisfies CommitThreadRequest);
    });
    this.release(worker);
  }

  /** @internal */
  onReply(reply: CommitThreadReply): void {
    const worker = this.worker;
    switch (reply.kind) {
      case 'ready':
        this.opening?.resolve();
        this.opening = undefined;
        this.worker?.worker.unref();
        return;
      case 'open-failed':
        this.opening?.reject(new StoreError(reply.message));
        this.opening = undefined;
        return;
      case 'closed':
        this.closing?.();
        this.closing = undefined;
        return;
      default: {
        const waiting = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (this.waiting.size === 0) worker?.worker.unref();
        if (waiting === undefined) return;
        if (reply.kind === 'done') waiting.resolve(reply.result);
        else {
          waiting.reject(
            new StoreError(reply.message, reply.executionId === undefined ? {} : { executionId: reply.executionId }),
          );
        }
      }
    }
  }

  /** The thread died: what was in flight fails (its transaction rolled back), and so does every later commit. @internal */
  onDeath(error: Error): void {
    const lost = new StoreError(`SQLite store ${this.data.path}: the commit thread stopped: ${error.message}`, {
      cause: error,
    });
    this.worker = undefined;
    this.opening?.reject(lost);
    this.opening = undefined;
    this.closing?.();
    this.closing = undefined;
    for (const waiting of this.waiting.values()) waiting.reject(lost);
    this.waiting.clear();
  }

  /** Gives a worker whose connection is closed back to the idle ones. */
  private release(worker: CommitWorker): void {
    worker.owner = undefined;
    worker.worker.unref();
    if (!worker.dead) idleWorkers.push(worker);
  }
}

type WorkerSource = { readonly url: URL } | { readonly code: string };

let devBundle: string | undefined;

/**
 * The worker's code: the compiled module next to this one, or, when sagachart
 * runs from its TypeScript sources (its tests, tsx), that module bundled once
 * per process with esbuild (a dev dependency), because a worker thread does
 * not inherit a TypeScript loader.
 */
function workerSource(): WorkerSource | undefined {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    const url = new URL('./sqliteCommitWorker.js', here);
    return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? { url } : undefined;
  }
  if (devBundle === undefined) {
    const require = requireFrom(here);
    const esbuild = require('esbuild') as { buildSync(options: object): { outputFiles: { text: string }[] } };
    const built = esbuild.buildSync({
      entryPoints: [fileURLToPath(new URL('./sqliteCommitWorker.ts', here))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      external: ['better-sqlite3'],
      define: { 'import.meta.url': JSON.stringify(here) },
      logLevel: 'silent',
    });
    // An eval'd worker resolves bare names from the working directory: name the driver by its path.
    const driver = JSON.stringify(require.resolve('better-sqlite3'));
    devBundle = (built.outputFiles[0]?.text ?? '').replaceAll('require("better-sqlite3")', `require(${driver})`);
  }
  return { code: devBundle };
}
