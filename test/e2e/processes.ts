import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const WORKER = join(import.meta.dirname, 'crashWorker.ts');

export interface WorkerRun {
  readonly child: ChildProcess;
  /** Resolves when the worker printed `ready` (its engine started). */
  readonly ready: Promise<void>;
  /** Resolves with the exit code, or the signal that killed it. */
  readonly exit: Promise<number | NodeJS.Signals>;
  output(): string;
}

/** Starts a crash worker as a real OS process. */
export function startWorker(args: string[]): WorkerRun {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('ready')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | NodeJS.Signals>((resolve) =>
    child.on('exit', (code, signal) => {
      markReady();
      resolve(signal ?? code ?? -1);
    }),
  );
  return { child, ready, exit, output: () => output };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
