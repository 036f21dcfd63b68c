// The parent's side of bench/postgres/worker.ts: start one as a real process, talk to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FromWorker, ToWorker, WorkerKind } from './protocol.js';

export interface Worker {
  readonly child: ChildProcess;
  /** Resolves with the next message of this type (messages nobody waits for are dropped). */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>>;
  send(message: ToWorker): void;
  /** Graceful stop (the engine hands its leases back); a worker already dead resolves at once. */
  stop(): Promise<void>;
}

/** Starts a worker and resolves when its engine (or DBOS) has started. */
export async function startWorker(kind: WorkerKind, where: string, ...rest: number[]): Promise<Worker> {
  const child = fork(join(import.meta.dirname, 'worker.ts'), [kind, where, ...rest.map(String)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, ((message: FromWorker) => void)[]>();
  child.on('message', (message: FromWorker) => waiting.get(message.type)?.shift()?.(message));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T extends FromWorker['type']>(type: T) =>
    Promise.race([
      new Promise<Extract<FromWorker, { type: T }>>((resolve) =>
        waiting.set(type, [...(waiting.get(type) ?? []), resolve as (message: FromWorker) => void]),
      ),
      exited.then(() => {
        throw new Error(`the ${kind} worker exited (${child.exitCode ?? child.signalCode}) before it sent "${type}"`);
      }),
    ]);
  const worker: Worker = {
    child,
    next,
    send: (message) => child.send(message),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
  await next('ready');
  return worker;
}

/** `promise`, or a rejection naming `what` if it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
