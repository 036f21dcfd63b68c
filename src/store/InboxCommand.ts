import type { RemoteReply } from '../remote/RemoteCommand.js';

/** What a caller asked of an execution that no engine held in memory: the body of an inbox command. */
export type CommandBody =
  | { readonly kind: 'send'; readonly event: { readonly type: string; readonly data?: unknown } }
  | { readonly kind: 'cancel'; readonly reason: string }
  | { readonly kind: 'retry' }
  /** A remote participant's reply to a remote step's command (appended by a relay). */
  | { readonly kind: 'reply'; readonly reply: RemoteReply };

/** A command appended to an execution's durable inbox. */
export interface InboxCommand {
  /** Grows with every command the store appends (across executions); an execution's commands apply in this order. */
  readonly id: number;
  readonly executionId: string;
  readonly body: CommandBody;
  /** When it was appended (epoch ms). */
  readonly at: number;
}

/** Why an engine refused a command, as kept with it in the store. */
export interface CommandRefusal {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

/**
 * What became of a command; written in the same transaction as the state change it caused
 * (or, when refused, with the execution's next write), so each command takes effect once.
 */
export interface CommandOutcome {
  readonly id: number;
  /** Absent when the command was applied. */
  readonly refusal?: CommandRefusal;
}

/** A command with its outcome, once an engine settled it. */
export interface SettledCommand extends InboxCommand {
  /** `'pending'` until an engine applied or refused it. */
  readonly state: 'pending' | 'applied' | 'refused';
  readonly refusal?: CommandRefusal;
}
