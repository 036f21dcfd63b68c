// Takeover after a SIGKILL: an engine process holding an execution with a step in flight is killed;
// another engine process on the same schema claims the execution once the lease ran out and runs
// the step again. Measured from the kill to the step's new start, both by the wall clock of this
// one machine.
import { startWorker, within } from './workers.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One lease configuration's kill→restart times (ms), in the order measured. */
export interface Takeover {
  readonly leaseTtlMs: number;
  readonly pollIntervalMs: number;
  readonly times: readonly number[];
  /** The fence each re-run saw: one more than the victim's, every time. */
  readonly fences: readonly number[];
}

/**
 * `trials` times: a fresh victim starts the held saga, waits a random part of its heartbeat period
 * (so the kill lands anywhere between two lease renewals, as a real crash does), and is SIGKILLed.
 */
export async function measureTakeover(
  schema: string,
  leaseTtlMs: number,
  pollIntervalMs: number,
  trials: number,
): Promise<Takeover> {
  const rescuer = await startWorker('rescuer', schema, leaseTtlMs, pollIntervalMs);
  const times: number[] = [];
  const fences: number[] = [];
  try {
    for (let trial = 0; trial < trials; trial += 1) {
      const victim = await startWorker('victim', schema, leaseTtlMs, pollIntervalMs);
      try {
        const started = victim.next('step');
        victim.send({ type: 'execute' });
        const held = await within(started, 30_000, "the victim's step start");
        await sleep(Math.random() * (leaseTtlMs / 3));
        const rerun = rescuer.next('step');
        const killedAt = Date.now();
        victim.child.kill('SIGKILL');
        const again = await within(rerun, leaseTtlMs + pollIntervalMs + 30_000, 'the takeover after a SIGKILL');
        times.push(again.at - killedAt);
        fences.push(again.fence - held.fence);
        console.error(`takeover lease ${leaseTtlMs} ms, poll ${pollIntervalMs} ms: ${again.at - killedAt} ms`);
      } finally {
        victim.child.kill('SIGKILL');
      }
    }
  } finally {
    await rescuer.stop();
  }
  return { leaseTtlMs, pollIntervalMs, times, fences };
}
