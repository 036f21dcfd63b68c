import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

export const WORKER = join(import.meta.dirname, 'crashWorker.ts');

export interface WorkerRun {
  readonly child: ChildProcess;
  /** Resolves when the worker printed `ready` (its engine started). */
  readonly ready: Promise<void>;
  /** Resolves with the exit code, or the signal that killed it. */
  readonly exit: Promise<number | NodeJS.Signals>;
  output(): string;
  /** Resolves with the first match of `pattern` in what the worker printed; rejects if it exits first. */
  printed(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Starts a crash worker (by default crashWorker.ts) as a real OS process. */
export function startWorker(args: string[], script = WORKER): WorkerRun {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const watchers = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const watch of watchers) watch();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    append(chunk);
    if (output.includes('ready')) markReady();
  });
  child.stderr.on('data', append);
  const exit = new Promise<number | NodeJS.Signals>((resolve) =>
    child.on('exit', (code, signal) => {
      markReady();
      resolve(signal ?? code ?? -1);
    }),
  );
  // After 'close' all output is in: a pattern not printed by then never will be.
  child.on('close', () => {
    exited = true;
    for (const watch of watchers) watch();
  });
  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const watch = () => {
        const match = pattern.exec(output);
        if (match === null && !exited) return;
        watchers.delete(watch);
        if (match !== null) resolve(match);
        else reject(new Error(`the worker exited without printing ${String(pattern)}:\n${output}`));
      };
      watchers.add(watch);
      watch();
    });
  return { child, ready, exit, output: () => output, printed };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs the worker with `args` again and again, SIGKILLing it `killAfterMs()` after it is ready,
 * until it was killed `minKills` times; then lets one run finish (exit 0). Returns the kills.
 * A run that finishes before its kill ends the loop early (then fewer kills are returned).
 */
export async function killRepeatedly(
  args: string[],
  minKills: number,
  killAfterMs: () => number,
  script = WORKER,
  { finish = true }: { finish?: boolean } = {},
): Promise<number> {
  let kills = 0;
  for (let run = 0; run < 200; run += 1) {
    // `finish: false` returns after the kills, leaving the work unfinished for a later run.
    if (!finish && kills >= minKills) return kills;
    const worker = startWorker(args, script);
    await worker.ready;
    if (kills < minKills) {
      const exited = await Promise.race([worker.exit, sleep(killAfterMs()).then(() => undefined)]);
      if (exited === undefined) {
        worker.child.kill('SIGKILL');
        expect(await worker.exit).toBe('SIGKILL');
        kills += 1;
        continue;
      }
      expect(exited, worker.output()).toBe(0);
      break;
    }
    expect(await worker.exit, worker.output()).toBe(0);
    break;
  }
  return kills;
}
