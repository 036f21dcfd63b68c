import { context, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { REPLY_TO_HEADER } from '../nats/natsRelay.js';
import { consumerName, ensureConsumer, ensureStream, NATS_DEFAULTS } from '../nats/natsStreams.js';
import { remoteCommandSchema, type RemoteCommand, type RemoteReply } from '../remote/RemoteCommand.js';
import { applyOnce, type ParticipantOutcome, type ParticipantStore } from './ParticipantStore.js';

/** What a handler gets for one command. */
export interface ParticipantContext<TTx> {
  readonly payload: unknown;
  /** The idempotency key the participant's ledger applies the command once by. */
  readonly key: string;
  readonly command: RemoteCommand;
  /** Write with this: it is inside the transaction that records the command as applied. */
  readonly tx: TTx;
  /** For a compensation: what the forward handler returned (from this participant's ledger). */
  readonly result: unknown;
}

export type ParticipantHandler<TTx> = (ctx: ParticipantContext<TTx>) => unknown;

export interface ParticipantOptions<TTx> {
  /** Names the participant's durable consumers (one per subject), e.g. `inventory`. */
  readonly name: string;
  readonly connection: NatsConnection;
  readonly store: ParticipantStore<TTx>;
  /** One handler per subject: forward commands and compensations alike. */
  readonly handlers: Readonly<Record<string, ParticipantHandler<TTx>>>;
  /** Default `SAGACHART_COMMANDS`. */
  readonly commandStream?: string;
  /** A command not acknowledged within this long is delivered again, in ms. Default 10000. */
  readonly ackWaitMs?: number;
  /** Told of failures (a reply that could not be published is retried by redelivery). */
  readonly onError?: (error: unknown) => void;
}

export interface Participant {
  /** Stops consuming; unacknowledged commands are delivered again later. */
  stop(): Promise<void>;
}

/** The saga's trace from a `traceparent` header, so the handler's span joins it. */
function parentContext(header: string | undefined): Context {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header ?? '');
  if (match === null) return context.active();
  return trace.setSpanContext(context.active(), {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/**
 * Runs a participant of remote steps: consumes its subjects' commands from
 * durable JetStream consumers, applies each once by key in its own store (a
 * forward command whose compensation already ran is refused, and so is a
 * command from an engine with a lower fence than one seen for its execution),
 * and replies.
 * A command is acknowledged only after its reply is stored, so a crash at any
 * point redelivers it and the ledger answers with the first outcome.
 *
 * @example
 * const inventory = await participant({
 *   name: 'inventory',
 *   connection: await connect({ servers: '127.0.0.1:4222' }),
 *   store: participantSqlite('data/inventory.db'),
 *   handlers: {
 *     'inventory.reserve': ({ payload, tx }) => reserve(tx, payload),
 *     'inventory.release': ({ result, tx }) => release(tx, result),
 *   },
 * });
 */
export async function participant<TTx>(options: ParticipantOptions<TTx>): Promise<Participant> {
  const { connection: nc, store, handlers } = options;
  const onError = options.onError ?? (() => undefined);
  const subjects = Object.keys(handlers);
  const stream = options.commandStream ?? NATS_DEFAULTS.commandStream;
  await store.init();
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await ensureStream(jsm, stream, subjects);
  const tracer = trace.getTracer('sagachart-participant');
  // Commands apply one at a time: a store's transaction holds its one connection.
  let queue: Promise<void> = Promise.resolve();

  const handle = async (msg: JsMsg): Promise<void> => {
    const parsed = remoteCommandSchema.safeParse(safeJson(msg));
    const handler = handlers[msg.subject];
    if (!parsed.success || handler === undefined) {
      onError(new Error(`sagachart participant ${options.name}: dropped a malformed command on ${msg.subject}`));
      msg.term();
      return;
    }
    const command = parsed.data as RemoteCommand;
    const parent = parentContext(msg.headers?.get('traceparent'));
    const outcome = await tracer.startActiveSpan(
      `participant ${command.subject}`,
      {
        attributes: {
          'saga.id': command.executionId,
          'saga.step': command.step,
          'saga.attempt': command.attempt,
          ...(command.fence === undefined ? {} : { 'saga.fence': command.fence }),
        },
      },
      parent,
      async (span): Promise<ParticipantOutcome> => {
        try {
          return await applyOnce(store, command, (tx, result) =>
            Promise.resolve(handler({ payload: command.payload, key: command.key, command, tx, result })),
          );
        } finally {
          span.end();
        }
      },
    );
    const replyTo = msg.headers?.get(REPLY_TO_HEADER) ?? '';
    if (replyTo !== '') {
      const base = {
        v: 1 as const,
        key: command.key,
        executionId: command.executionId,
        step: command.step,
        kind: command.kind,
        attempt: command.attempt,
      };
      const reply: RemoteReply = outcome.ok
        ? { ...base, ok: true, output: outcome.output }
        : { ...base, ok: false, error: outcome.error, ...(outcome.stale === true ? { stale: true } : {}) };
      // A stale refusal has a message id of its own: the current holder's command of the same key
      // and attempt may still come, and its reply must not be taken by JetStream for a duplicate.
      const msgID = `reply:${command.key}#${command.attempt}${outcome.ok || outcome.stale !== true ? '' : `:stale@${command.fence}`}`;
      await js.publish(replyTo, JSON.stringify(reply), { msgID });
    }
    msg.ack();
  };

  const runs: { messages: ConsumerMessages; done: Promise<void> }[] = [];
  for (const subject of subjects) {
    const durable = consumerName(options.name, subject);
    await ensureConsumer(jsm, stream, durable, subject, options.ackWaitMs ?? 10_000);
    const messages = await (await js.consumers.get(stream, durable)).consume({ max_messages: 64 });
    const done = (async () => {
      for await (const msg of messages) {
        const next = queue.then(() => handle(msg));
        queue = next.catch((error: unknown) => {
          // Not acknowledged: delivered again after the ack wait.
          onError(error);
        });
        await queue;
      }
    })();
    runs.push({ messages, done });
  }

  return {
    async stop() {
      for (const run of runs) await run.messages.close();
      await Promise.all(runs.map((r) => r.done));
      await queue;
      await store.close();
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
