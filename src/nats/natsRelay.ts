import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { RemoteReply } from '../remote/RemoteCommand.js';
import { remoteReplySchema } from '../remote/RemoteCommand.js';
import type { RemoteStepsPort } from '../runtime/RemoteSteps.js';
import { consumerName, ensureConsumer, ensureStream, NATS_DEFAULTS } from './natsStreams.js';

/** The header that tells a participant where to reply. */
export const REPLY_TO_HEADER = 'sagachart-reply-to';

export interface NatsRelayOptions {
  /** A connection the caller opened (and closes after `relay.stop()`). */
  readonly connection: NatsConnection;
  /** The stream of commands; created (or given the engine's subjects) when needed. Default `SAGACHART_COMMANDS`. */
  readonly commandStream?: string;
  /** The stream of replies; created (or given `replySubject`) when needed. Default `SAGACHART_REPLIES`. */
  readonly replyStream?: string;
  /** Where participants reply; engines sharing one store share it. Default `sagachart.reply.engine`. */
  readonly replySubject?: string;
  /** How often the outbox is read besides the wake-up after each commit, in ms. Default 1000. */
  readonly pollMs?: number;
  /** A reply not acknowledged within this long is delivered again, in ms. Default 10000. */
  readonly ackWaitMs?: number;
  /** Told of failures the relay retries by itself (a publish or a delivery that failed). */
  readonly onError?: (error: unknown) => void;
}

/** A running relay. */
export interface NatsRelay {
  /** Publishes what is in the outbox now; resolves when the broker stored it. */
  flush(): Promise<void>;
  /** Stops publishing and consuming; what is left stays in the outbox and the reply stream. */
  stop(): Promise<void>;
}

/**
 * Connects an engine's remote steps to NATS JetStream: publishes the outbox
 * (message id = the command's key and attempt, so JetStream's duplicate window
 * drops a republish after a crash) and hands replies to the engine through its
 * durable inbox, acknowledging each only once it is durable there.
 *
 * @example
 * const nc = await connect({ servers: '127.0.0.1:4222' });
 * const relay = await natsRelay(engine, { connection: nc });
 * // ... engine.execute(...) ...
 * await relay.stop(); await engine.stop(); await nc.close();
 */
export async function natsRelay(
  engine: { readonly remote: RemoteStepsPort },
  options: NatsRelayOptions,
): Promise<NatsRelay> {
  const port = engine.remote;
  const nc = options.connection;
  const commandStream = options.commandStream ?? NATS_DEFAULTS.commandStream;
  const replyStream = options.replyStream ?? NATS_DEFAULTS.replyStream;
  const replySubject = options.replySubject ?? NATS_DEFAULTS.replySubject;
  const onError = options.onError ?? (() => undefined);
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const subjects = port.subjects();
  if (subjects.length > 0) await ensureStream(jsm, commandStream, subjects);
  await ensureStream(jsm, replyStream, [replySubject]);
  const durable = consumerName('sagachart', replySubject);
  await ensureConsumer(jsm, replyStream, durable, replySubject, options.ackWaitMs ?? 10_000);

  let stopped = false;
  let draining: Promise<void> | undefined;
  let again = false;

  const publishOutbox = async (): Promise<void> => {
    for (;;) {
      const batch = await port.pending(256);
      if (batch.length === 0) return;
      const done: string[] = [];
      await Promise.all(
        batch.map(async (message) => {
          const h = headers();
          for (const [name, value] of Object.entries(message.headers)) h.set(name, value);
          h.set(REPLY_TO_HEADER, replySubject);
          try {
            await js.publish(message.subject, message.body, { msgID: message.id, headers: h });
            done.push(message.id);
          } catch (error) {
            onError(error);
          }
        }),
      );
      await port.published(done);
      if (done.length < batch.length) return;
    }
  };

  const drain = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (draining !== undefined) {
      again = true;
      return draining;
    }
    draining = (async () => {
      try {
        do {
          again = false;
          await publishOutbox();
        } while (again && !stopped);
      } catch (error) {
        onError(error);
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  };

  const off = port.onSent(() => void drain());
  const timer = setInterval(() => void drain(), options.pollMs ?? 1000);
  timer.unref();

  // Replies: gathered for one tick, appended to the inbox in one transaction, then acknowledged.
  const consumer = await js.consumers.get(replyStream, durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });
  let gathered: { msg: JsMsg; reply: RemoteReply }[] = [];
  let scheduled = false;
  const deliver = async (): Promise<void> => {
    scheduled = false;
    const batch = gathered;
    gathered = [];
    try {
      await port.deliver(batch.map((b) => b.reply));
      for (const { msg } of batch) msg.ack();
    } catch (error) {
      // Not acknowledged: JetStream delivers them again after the ack wait.
      onError(error);
    }
  };
  const consuming = (async () => {
    for await (const msg of messages) {
      const parsed = remoteReplySchema.safeParse(safeJson(msg));
      if (!parsed.success) {
        onError(new Error(`sagachart relay: dropped a malformed reply on ${msg.subject}`));
        msg.term();
        continue;
      }
      gathered.push({ msg, reply: parsed.data as RemoteReply });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void deliver());
      }
    }
  })();

  void drain();
  return {
    flush: drain,
    async stop() {
      stopped = true;
      off();
      clearInterval(timer);
      await messages.close();
      await consuming;
      await draining;
      if (gathered.length > 0) await deliver();
    },
  };
}

function safeJson(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}
