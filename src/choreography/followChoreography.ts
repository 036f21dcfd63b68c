import type Database from 'better-sqlite3';
import { jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { getInitialSnapshot, getNextSnapshot, type AnyMachineSnapshot, type StateValue } from 'xstate';
import { SagaDefinitionError } from '../definition/errors.js';
import { ensureConsumer } from '../nats/natsStreams.js';
import { choreographyStream } from './choreographyStream.js';
import { CHOREOGRAPHY_TIMEOUT, compileChoreography, type ChoreographyContext } from './compileChoreography.js';
import {
  EVENTS_KEPT,
  type ChoreographyCounts,
  type ChoreographyInstance,
  type ChoreographyInstanceDetail,
  type ChoreographyInstanceQuery,
  type ChoreographyStatus,
} from './ChoreographyInstance.js';
import { ChoreographyTrackers, type TrackerRow } from './ChoreographyTrackers.js';
import type { ChoreographyDefinition, ChoreographyEvent } from './defineChoreography.js';
import { flagChanges } from './flagChanges.js';
import { openTrackerFile, prepareTrackerFile, trackerFileId } from './trackerFile.js';
import { checkRetention, DEFAULT_CHOREOGRAPHY_RETENTION_MS, TrackerPruner } from './TrackerPruner.js';

export interface FollowChoreographyOptions {
  readonly connection: NatsConnection;
  /** The stream holding the services' events. Default: the definition's, else the stream that captures the subject, else one created for it. */
  readonly stream?: string;
  /** The subject the services publish their events on (JSON `{ type, data }`). Default: the definition's. */
  readonly subject?: string;
  /** The trackers' SQLite file (or an open database; several monitors may share one). */
  readonly store: string | Database.Database;
  /** How often instances are checked for a missed timeout, in ms. Default 1000. */
  readonly sweepMs?: number;
  /**
   * How long a finished instance (Completed or Compensated) is kept after its last event, in ms:
   * older ones are deleted, with their timelines, when the monitor starts and every hour.
   * Default 7 days; `Infinity` keeps them all. Running and Compensating instances are never deleted.
   */
  readonly retentionMs?: number;
  /** Told of failures it retries by itself (an event that could not be written is delivered again). */
  readonly onError?: (error: unknown) => void;
}

export interface ChoreographyMonitor {
  /** The stream and subject it follows. */
  readonly stream: string;
  readonly subject: string;
  /** One page of instances, newest first (`flagged: true` keeps only those with a flag; 50 unless `limit`). */
  list(query?: ChoreographyInstanceQuery): ChoreographyInstance[];
  /** One instance with its timeline. */
  get(correlationId: string): ChoreographyInstanceDetail | undefined;
  counts(): ChoreographyCounts;
  /** Resolves once every event published so far on the subject was applied. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

/** Consumers of a trackers file that nobody ran for this long are removed by the server (replaying is harmless). */
const CONSUMER_INACTIVE_MS = 7 * 86_400_000;

/**
 * Follows a choreographed saga on a JetStream subject: one durable tracker per
 * correlation id (a row in SQLite: its chart state and flags, and a timeline of
 * its events), advanced by each event in the same transaction that records the
 * event's stream sequence, so a redelivered event is applied once. Instances
 * that go quiet past the choreography's timeout, counted from the time the
 * stream stored their last event, are flagged stuck (or compensated
 * incompletely); a flag clears when the progress it waited for comes (see
 * `compileChoreography`), and the timeline line that cleared it says so.
 * Finished instances older than `retentionMs` (7 days) are deleted when it
 * starts and hourly. Each trackers file reads the subject through a durable
 * consumer of its own, so every file sees every event.
 *
 * @example
 * const monitor = await followChoreography(orders, { connection: nc, store: 'data/orders-monitor.db' });
 * monitor.list({ flagged: true }); // where are my orders?
 */
export async function followChoreography(
  definition: ChoreographyDefinition,
  options: FollowChoreographyOptions,
): Promise<ChoreographyMonitor> {
  const name = definition.name;
  const onError = options.onError ?? (() => undefined);
  const subject = options.subject ?? definition.subject;
  if (subject === undefined) {
    throw new SagaDefinitionError(
      `Choreography "${name}" has no subject to follow: give it one in defineChoreography or in the options`,
      'subject',
    );
  }
  const retentionMs = checkRetention(options.retentionMs ?? DEFAULT_CHOREOGRAPHY_RETENTION_MS, 'retentionMs');
  const machine = compileChoreography(definition);
  const db = typeof options.store === 'string' ? openTrackerFile(options.store) : prepareTrackerFile(options.store);
  const trackers = new ChoreographyTrackers(db);
  const read = db.prepare<[string, string], TrackerRow>(
    'SELECT * FROM choreography_trackers WHERE choreography = ? AND correlation_id = ?',
  );
  const write = db.prepare(`
    INSERT INTO choreography_trackers (choreography, correlation_id, state, context, status, flagged, due_at, updated_at, last_seq)
    VALUES (@choreography, @id, @state, @context, @status, @flagged, @dueAt, @now, @seq)
    ON CONFLICT (choreography, correlation_id) DO UPDATE SET state = excluded.state, context = excluded.context,
      status = excluded.status, flagged = excluded.flagged, due_at = excluded.due_at,
      updated_at = excluded.updated_at, last_seq = excluded.last_seq`);
  const record = db.prepare(`
    INSERT INTO choreography_events (choreography, correlation_id, n, at, type, seq, state, flag, cleared)
    SELECT @choreography, @id, coalesce(max(n), 0) + 1, @at, @type, @seq, @state, @flag, @cleared FROM choreography_events
    WHERE choreography = @choreography AND correlation_id = @id HAVING coalesce(max(n), 0) < ${EVENTS_KEPT}`);
  const due = db.prepare<[string, number], TrackerRow>(
    'SELECT * FROM choreography_trackers WHERE choreography = ? AND due_at IS NOT NULL AND due_at <= ?',
  );

  const restore = (row: TrackerRow | undefined): AnyMachineSnapshot =>
    row === undefined
      ? getInitialSnapshot(machine)
      : machine.resolveState({
          value: JSON.parse(row.state) as StateValue,
          context: JSON.parse(row.context) as ChoreographyContext,
        });
  const statusOf = (snapshot: AnyMachineSnapshot): ChoreographyStatus =>
    snapshot.status === 'done'
      ? (snapshot.value as 'Completed' | 'Compensated')
      : snapshot.value === 'Compensating'
        ? 'Compensating'
        : 'Running';
  /** Saves the tracker and adds the line of its timeline that moved it. */
  const save = (
    id: string,
    before: AnyMachineSnapshot,
    after: AnyMachineSnapshot,
    event: { type: string; seq: number | null; lastSeq: number; now: number; armTimer: boolean },
  ): void => {
    const context = after.context as ChoreographyContext;
    const state = JSON.stringify(after.value);
    write.run({
      choreography: name,
      id,
      state,
      context: JSON.stringify(context),
      status: statusOf(after),
      flagged: context.flags.length > 0 ? 1 : 0,
      dueAt: after.status === 'done' || !event.armTimer ? null : event.now + definition.timeoutMs,
      now: event.now,
      seq: event.lastSeq,
    });
    const { raised, cleared } = flagChanges((before.context as ChoreographyContext).flags, context.flags);
    record.run({
      choreography: name,
      id,
      at: event.now,
      type: event.type,
      seq: event.seq,
      state,
      flag: raised,
      cleared: cleared.length === 0 ? null : JSON.stringify(cleared),
    });
  };
  const apply = db.transaction((id: string, event: ChoreographyEvent, seq: number, now: number) => {
    const row = read.get(name, id);
    if (row !== undefined && seq <= row.last_seq) return; // redelivered: applied already
    const before = restore(row);
    const after = getNextSnapshot(machine, before, { type: event.type, at: now });
    save(id, before, after, { type: event.type, seq, lastSeq: seq, now, armTimer: true });
  });
  const sweep = db.transaction((now: number) => {
    for (const row of due.all(name, now)) {
      const before = restore(row);
      const after = getNextSnapshot(machine, before, { type: CHOREOGRAPHY_TIMEOUT, at: now });
      // Flagged once; the next event of the instance arms the timer again.
      const line = { type: CHOREOGRAPHY_TIMEOUT, seq: null, lastSeq: row.last_seq, now, armTimer: false };
      save(row.correlation_id, before, after, line);
    }
  });

  const jsm = await jetstreamManager(options.connection);
  const stream = await choreographyStream(jsm, name, subject, options.stream ?? definition.stream);
  const durable = `sagachart-choreography-${name}-${trackerFileId(db)}`;
  await ensureConsumer(jsm, stream, durable, subject, 10_000, CONSUMER_INACTIVE_MS);
  const consumer = await jetstream(options.connection).consumers.get(stream, durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });
  const consuming = (async () => {
    for await (const msg of messages) {
      let event: ChoreographyEvent | undefined;
      try {
        event = msg.json<ChoreographyEvent>();
      } catch {
        event = undefined;
      }
      let id: string | undefined;
      try {
        id =
          event !== undefined && typeof event.type === 'string' && definition.events.has(event.type)
            ? definition.correlate(event)
            : undefined;
      } catch {
        id = undefined; // correlate threw on an event it did not expect: not one of ours.
      }
      if (event !== undefined && typeof id === 'string' && id !== '') {
        try {
          // The time the stream stored it: an event read late (a monitor that was down, a new trackers
          // file replaying the stream) is timed from when it happened, not from when it was read.
          apply(id, event, msg.seq, Math.min(msg.time.getTime(), Date.now()));
        } catch (error) {
          // Not acknowledged: delivered again in a second (a busy or full disk must not lose an event).
          onError(error);
          msg.nak(1_000);
          continue;
        }
      }
      msg.ack();
    }
  })();
  const timer = setInterval(() => {
    try {
      sweep(Date.now());
    } catch (error) {
      onError(error); // swept again at the next tick
    }
  }, options.sweepMs ?? 1_000);
  timer.unref();
  // Finished instances past the retention period go now, then every hour.
  const pruner = new TrackerPruner(db, name, retentionMs, onError);
  await pruner.start();

  return {
    stream,
    subject,
    list: (query = {}) => trackers.list(name, query).items,
    get: (correlationId) => trackers.get(name, correlationId),
    counts: () => trackers.counts(name),
    async caughtUp() {
      for (;;) {
        const info = await consumer.info();
        if (info.num_pending === 0 && info.num_ack_pending === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      clearInterval(timer);
      await pruner.stop();
      await messages.close();
      await consuming;
      if (typeof options.store === 'string') db.close();
    },
  };
}
