import { z } from 'zod';

/**
 * The command a remote step sends, as JSON on the wire (one per attempt of a
 * step or of its compensation). Participants apply it once per `key`.
 */
export interface RemoteCommand {
  readonly v: 1;
  /** The step's idempotency key: `${executionId}:${step}`, or `...:compensate` for its compensation. */
  readonly key: string;
  /** For a compensation: the key of the forward command it undoes (the "hanging" rule uses it). */
  readonly forwardKey: string;
  readonly kind: 'run' | 'compensate';
  readonly executionId: string;
  readonly saga: string;
  readonly step: string;
  readonly attempt: number;
  readonly subject: string;
  readonly payload: unknown;
  /**
   * The fencing token of the engine that holds the execution (PostgreSQL leases), when the
   * store has one: participants may refuse a command whose fence is lower than one they saw.
   */
  readonly fence?: number;
  /** For a compensation: whether the forward step reported back (`completed`, with its `result`) or not (`unknown`). */
  readonly outcome?: 'completed' | 'unknown';
  readonly result?: unknown;
  readonly reason?: { readonly kind: string; readonly message: string };
}

/** A participant's failure as it travels back. `permanent` skips the step's remaining retries. */
export interface RemoteFailure {
  readonly name: string;
  readonly message: string;
  readonly permanent?: boolean;
}

/**
 * A participant's answer to one command, correlated by `key` and `attempt`.
 * `stale: true` marks the refusal of a command whose `fence` was lower than one
 * the participant saw for the execution: it answers an engine that lost the
 * execution, so the current holder journals it and waits on (it is never the
 * step's outcome).
 */
export type RemoteReply = {
  readonly v: 1;
  readonly key: string;
  readonly executionId: string;
  readonly step: string;
  readonly kind: 'run' | 'compensate';
  readonly attempt: number;
} & (
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: RemoteFailure; readonly stale?: boolean }
);

const base = {
  v: z.literal(1),
  key: z.string().min(1).max(1000),
  executionId: z.string().min(1).max(200),
  step: z.string().min(1).max(200),
  kind: z.enum(['run', 'compensate']),
  attempt: z.number().int().positive(),
};

/** Checks a reply that came over the wire. @internal */
export const remoteReplySchema = z.union([
  z.object({ ...base, ok: z.literal(true), output: z.unknown() }),
  z.object({
    ...base,
    ok: z.literal(false),
    error: z.object({
      name: z.string().max(200),
      message: z.string().max(10_000),
      permanent: z.boolean().optional(),
    }),
    stale: z.boolean().optional(),
  }),
]);

/** Checks a command that came over the wire. @internal */
export const remoteCommandSchema = z.object({
  ...base,
  forwardKey: z.string().min(1).max(1000),
  saga: z.string(),
  subject: z.string(),
  payload: z.unknown(),
  fence: z.number().optional(),
  outcome: z.enum(['completed', 'unknown']).optional(),
  result: z.unknown().optional(),
  reason: z.object({ kind: z.string(), message: z.string() }).optional(),
});

/** The JetStream message id of a command: its key and attempt, so a republish after a crash is deduplicated and a retry is not. */
export function commandMessageId(command: Pick<RemoteCommand, 'key' | 'attempt'>): string {
  return `${command.key}#${command.attempt}`;
}
