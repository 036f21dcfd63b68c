import type { StepContext } from '../definition/types.js';
import { remoteCallOf } from '../remote/remote.js';

/**
 * Stand-ins for the participants of remote steps, by subject: each gets the
 * command's payload (what the participant would get) and returns the reply's
 * output (what later steps read in `results`).
 */
export type RemoteStandIns = Readonly<Record<string, (payload: unknown) => unknown>>;

/**
 * For path testing: a remote step's `run` or `compensate` as a function of this
 * process that answers like its participant would — the stand-in given for its
 * subject, or `{}` — so the path decides its fate like any step's. `fn` itself
 * when it is not remote.
 *
 * @internal
 */
export function withStandIn<T extends (ctx: never) => unknown>(fn: T, standIns: RemoteStandIns): T {
  const call = remoteCallOf(fn);
  if (call === undefined) return fn;
  const answer = standIns[call.subject];
  const standIn = async (ctx: StepContext<unknown>) => {
    const payload = call.payload === undefined ? (ctx.input ?? null) : call.payload(ctx as never);
    return answer === undefined ? {} : answer(payload);
  };
  return standIn as unknown as T;
}
