/**
 * A message a remote step sends, written to the store's outbox in the same
 * transaction as the state that starts the step, and deleted once a relay
 * published it (a relay that crashes in between publishes it again; the broker
 * deduplicates by `id`).
 */
export interface OutboxMessage {
  /** The broker's message id: the command's idempotency key and attempt. */
  readonly id: string;
  readonly executionId: string;
  readonly subject: string;
  /** The command as JSON. */
  readonly body: string;
  /** Message headers, e.g. the trace context (`traceparent`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly createdAt: number;
}
