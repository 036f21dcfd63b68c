import type { RemoteCommand, RemoteFailure } from '../remote/RemoteCommand.js';

/** What a participant's ledger remembers of one key. */
export interface LedgerEntry {
  /**
   * `applied`: the command's effect is in (its `output` kept for duplicates);
   * `undone`: a forward command whose compensation ran; `blocked`: a forward
   * command whose compensation came first: it must never apply.
   */
  readonly state: 'applied' | 'undone' | 'blocked';
  readonly output: unknown;
}

/** The ledger inside one open transaction of the participant's database. */
export interface Ledger {
  get(key: string): Promise<LedgerEntry | undefined>;
  put(key: string, entry: LedgerEntry): Promise<void>;
  /**
   * The highest fencing token seen from the engines that held `executionId`. Locks it
   * until the transaction ends (where other processes share the store), so a fence
   * check and the effect it lets through are one step.
   */
  highestFence(executionId: string): Promise<number | undefined>;
  /** Remembers `fence` as the highest seen for `executionId` (never lowers it). */
  raiseFence(executionId: string, fence: number): Promise<void>;
}

/** What the participant answers a command with. `stale`: refused, its engine lost the execution. */
export type ParticipantOutcome =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: RemoteFailure; readonly stale?: true };

/**
 * Where a participant keeps its ledger: in its own database, so a handler's
 * writes and the ledger row commit together (an effect applies exactly once).
 * `TTx` is what handlers get to write with inside that transaction.
 */
export interface ParticipantStore<TTx> {
  init(): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: TTx, ledger: Ledger) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The refusal of a forward command whose compensation already ran (the "hanging" rule). */
export const COMPENSATED_ALREADY: RemoteFailure = {
  name: 'CompensatedError',
  message: 'the compensation of this command already ran: it is not applied',
  permanent: true,
};

/** The refusal of a command from an engine that lost the execution to one with a higher fence. */
export function staleFence(fence: number, seen: number): RemoteFailure {
  return {
    name: 'StaleFenceError',
    message: `fence ${fence} is older than fence ${seen} seen for this execution: a replaced engine's command, not applied`,
    permanent: true,
  };
}

class HandlerFailure extends Error {
  constructor(readonly failure: RemoteFailure) {
    super(failure.message);
  }
}

function failureOf(error: unknown): RemoteFailure {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return { name, message: message.slice(0, 10_000), ...(name === 'PermanentError' ? { permanent: true } : {}) };
}

/**
 * Applies a command at most once by its key, in one transaction with the
 * handler's own writes: a duplicate gets the first outcome again; a forward
 * command after its compensation is refused; a compensation whose forward
 * command never applied undoes nothing and blocks that command for good.
 * A command whose `fence` is lower than the highest seen for its execution
 * comes from an engine that lost the execution: refused as `stale`, nothing
 * written (its key stays free for the current holder's command).
 * A handler that throws rolls back and is not remembered (a retry may succeed).
 * `participant()` calls it for every command; call it yourself to apply commands
 * that reach you another way.
 *
 * @example
 * const outcome = await applyOnce(participantSqlite(db), command, (tx) => reserve(tx, command.payload));
 */
export async function applyOnce<TTx>(
  store: ParticipantStore<TTx>,
  command: RemoteCommand,
  handler: (tx: TTx, forwardOutput: unknown) => Promise<unknown>,
): Promise<ParticipantOutcome> {
  try {
    return await store.transaction(async (tx, ledger): Promise<ParticipantOutcome> => {
      if (command.fence !== undefined) {
        // First, before the key's ledger row: a stale engine must not even block a key (the hanging rule).
        const highest = await ledger.highestFence(command.executionId);
        if (highest !== undefined && command.fence < highest) {
          return { ok: false, error: staleFence(command.fence, highest), stale: true };
        }
        if (highest === undefined || command.fence > highest)
          await ledger.raiseFence(command.executionId, command.fence);
      }
      const seen = await ledger.get(command.key);
      if (command.kind === 'run') {
        if (seen?.state === 'applied') return { ok: true, output: seen.output };
        if (seen !== undefined) return { ok: false, error: COMPENSATED_ALREADY };
        const output = await call(() => handler(tx, undefined));
        await ledger.put(command.key, { state: 'applied', output });
        return { ok: true, output };
      }
      if (seen !== undefined) return { ok: true, output: seen.output };
      const forward = await ledger.get(command.forwardKey);
      let output: unknown = null;
      if (forward?.state === 'applied') {
        output = await call(() => handler(tx, forward.output));
        await ledger.put(command.forwardKey, { state: 'undone', output: forward.output });
      } else if (forward === undefined) {
        await ledger.put(command.forwardKey, { state: 'blocked', output: null });
      }
      await ledger.put(command.key, { state: 'applied', output });
      return { ok: true, output };
    });
  } catch (error) {
    if (error instanceof HandlerFailure) return { ok: false, error: error.failure };
    throw error;
  }
}

async function call(fn: () => Promise<unknown>): Promise<unknown> {
  let output: unknown;
  try {
    output = await fn();
  } catch (error) {
    throw new HandlerFailure(failureOf(error));
  }
  try {
    return output === undefined ? null : (JSON.parse(JSON.stringify(output)) as unknown);
  } catch (error) {
    throw new HandlerFailure({
      name: 'TypeError',
      message: `the handler's output is not JSON: ${String(error)}`,
      permanent: true,
    });
  }
}
