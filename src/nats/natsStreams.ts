import { AckPolicy, JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** Where commands and replies travel unless told otherwise. */
export const NATS_DEFAULTS = {
  /** The stream that stores remote commands (its subjects are the remote steps' subjects). */
  commandStream: 'SAGACHART_COMMANDS',
  /** The stream that stores replies (its subjects are the engines' reply subjects). */
  replyStream: 'SAGACHART_REPLIES',
  /** The subject engines ask participants to reply on. */
  replySubject: 'sagachart.reply.engine',
} as const;

const notFound = (error: unknown, code: number): boolean => error instanceof JetStreamApiError && error.code === code;

/**
 * Makes sure a stream exists and captures `subjects` (adding the missing ones to
 * an existing stream), so engines and participants can start in any order.
 *
 * @internal
 */
export async function ensureStream(jsm: JetStreamManager, name: string, subjects: readonly string[]): Promise<void> {
  for (let tries = 0; ; tries += 1) {
    try {
      const info = await jsm.streams.info(name);
      const have = info.config.subjects ?? [];
      const missing = subjects.filter((s) => !have.includes(s));
      if (missing.length > 0) await jsm.streams.update(name, { subjects: [...have, ...missing] });
      return;
    } catch (error) {
      if (!notFound(error, JetStreamApiCodes.StreamNotFound) || tries > 2) throw error;
    }
    try {
      await jsm.streams.add({ name, subjects: [...subjects] });
      return;
    } catch (error) {
      // Another process added it meanwhile: look again.
      if (tries > 2) throw error;
    }
  }
}

/**
 * Makes sure a durable pull consumer with explicit acks exists on `stream` and
 * filters on `subject` (one subject a consumer: nats-server 2.9 has no
 * `filter_subjects`). An existing one is updated. With `inactiveThresholdMs`, the
 * server removes it after that long without a client.
 *
 * @internal
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  subject: string,
  ackWaitMs: number,
  inactiveThresholdMs?: number,
): Promise<void> {
  const inactive = inactiveThresholdMs === undefined ? {} : { inactive_threshold: nanos(inactiveThresholdMs) };
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    filter_subject: subject,
    ...inactive,
  };
  try {
    await jsm.consumers.info(stream, durable);
    await jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait, filter_subject: subject, ...inactive });
  } catch (error) {
    if (!notFound(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
    await jsm.consumers.add(stream, config);
  }
}

/** A durable consumer name for one subject (names cannot hold dots or wildcards). @internal */
export function consumerName(prefix: string, subject: string): string {
  return `${prefix}-${subject.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
