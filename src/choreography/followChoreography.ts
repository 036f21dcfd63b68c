import Database from 'better-sqlite3';
import { jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { getInitialSnapshot, getNextSnapshot, type AnyMachineSnapshot, type StateValue } from 'xstate';
import { ensureConsumer, ensureStream } from '../nats/natsStreams.js';
import {
  CHOREOGRAPHY_TIMEOUT,
  compileChoreography,
  type ChoreographyContext,
  type ChoreographyFlag,
} from './compileChoreography.js';
import type { ChoreographyDefinition, ChoreographyEvent } from './defineChoreography.js';

/** Where one instance of a choreography is. */
export interface ChoreographyInstance {
  readonly choreography: string;
  readonly correlationId: string;
  readonly status: 'Running' | 'Compensating' | 'Completed' | 'Compensated';
  /** The chart state, e.g. `awaiting PaymentProcessed`. */
  readonly state: StateValue;
  readonly completed: readonly string[];
  readonly awaitingCompensation: readonly string[];
  readonly flags: readonly ChoreographyFlag[];
  readonly lastEvent: string | null;
  readonly updatedAt: number;
}

export interface FollowChoreographyOptions {
  readonly connection: NatsConnection;
  /** The stream holding the services' events (created with `subject` if missing). */
  readonly stream: string;
  /** The subject the services publish their events on (JSON `{ type, data }`). */
  readonly subject: string;
  /** The trackers' SQLite file (or an open database). */
  readonly store: string | Database.Database;
  /** How often instances are checked for a missed timeout, in ms. Default 1000. */
  readonly sweepMs?: number;
}

export interface ChoreographyMonitor {
  /** The instances, newest first; `flagged` keeps only those with a flag. */
  list(query?: { readonly flagged?: boolean }): ChoreographyInstance[];
  get(correlationId: string): ChoreographyInstance | undefined;
  /** Resolves once every event published so far on the subject was applied. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

interface Row {
  correlation_id: string;
  state: string;
  context: string;
  status: ChoreographyInstance['status'];
  updated_at: number;
  last_seq: number;
}

const TABLE = `
  CREATE TABLE IF NOT EXISTS choreography_trackers (
    choreography TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    state TEXT NOT NULL,
    context TEXT NOT NULL,
    status TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    due_at INTEGER,
    updated_at INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (choreography, correlation_id)
  )`;

/**
 * Follows a choreographed saga on a JetStream subject: one durable tracker per
 * correlation id (a row in SQLite: its chart state and flags), advanced by each
 * event in the same transaction that records the event's stream sequence, so a
 * redelivered event is applied once. Instances that go quiet past the
 * choreography's timeout are flagged stuck (or compensated incompletely).
 *
 * @example
 * const monitor = await followChoreography(orders, { connection: nc, stream: 'ORDERS', subject: 'orders.events', store: 'data/orders-monitor.db' });
 * monitor.list({ flagged: true }); // where are my orders?
 */
export async function followChoreography(
  definition: ChoreographyDefinition,
  options: FollowChoreographyOptions,
): Promise<ChoreographyMonitor> {
  const machine = compileChoreography(definition);
  const db = typeof options.store === 'string' ? new Database(options.store) : options.store;
  db.pragma('journal_mode = WAL');
  db.exec(TABLE);
  const name = definition.name;
  const read = db.prepare<[string, string], Row>(
    'SELECT * FROM choreography_trackers WHERE choreography = ? AND correlation_id = ?',
  );
  const write = db.prepare(`
    INSERT INTO choreography_trackers (choreography, correlation_id, state, context, status, flagged, due_at, updated_at, last_seq)
    VALUES (@choreography, @id, @state, @context, @status, @flagged, @dueAt, @now, @seq)
    ON CONFLICT (choreography, correlation_id) DO UPDATE SET state = excluded.state, context = excluded.context,
      status = excluded.status, flagged = excluded.flagged, due_at = excluded.due_at,
      updated_at = excluded.updated_at, last_seq = excluded.last_seq`);
  const due = db.prepare<[string, number], Row>(
    'SELECT * FROM choreography_trackers WHERE choreography = ? AND due_at IS NOT NULL AND due_at <= ?',
  );

  const restore = (row: Row | undefined): AnyMachineSnapshot =>
    row === undefined
      ? getInitialSnapshot(machine)
      : machine.resolveState({
          value: JSON.parse(row.state) as StateValue,
          context: JSON.parse(row.context) as ChoreographyContext,
        });
  const statusOf = (snapshot: AnyMachineSnapshot): ChoreographyInstance['status'] =>
    snapshot.status === 'done'
      ? (snapshot.value as 'Completed' | 'Compensated')
      : snapshot.value === 'Compensating'
        ? 'Compensating'
        : 'Running';
  const save = (id: string, snapshot: AnyMachineSnapshot, seq: number, now: number, armTimer: boolean): void => {
    const context = snapshot.context as ChoreographyContext;
    write.run({
      choreography: name,
      id,
      state: JSON.stringify(snapshot.value),
      context: JSON.stringify(context),
      status: statusOf(snapshot),
      flagged: context.flags.length > 0 ? 1 : 0,
      dueAt: snapshot.status === 'done' || !armTimer ? null : now + definition.timeoutMs,
      now,
      seq,
    });
  };
  const apply = db.transaction((id: string, event: ChoreographyEvent, seq: number, now: number) => {
    const row = read.get(name, id);
    if (row !== undefined && seq <= row.last_seq) return; // redelivered: applied already
    const next = getNextSnapshot(machine, restore(row), { type: event.type, at: now });
    save(id, next, seq, now, true);
  });
  const sweep = db.transaction((now: number) => {
    for (const row of due.all(name, now)) {
      const next = getNextSnapshot(machine, restore(row), { type: CHOREOGRAPHY_TIMEOUT, at: now });
      // Flagged once; the next event of the instance arms the timer again.
      save(row.correlation_id, next, row.last_seq, now, false);
    }
  });

  const jsm = await jetstreamManager(options.connection);
  await ensureStream(jsm, options.stream, [options.subject]);
  const durable = `sagachart-choreography-${name}`;
  await ensureConsumer(jsm, options.stream, durable, options.subject, 10_000);
  const consumer = await jetstream(options.connection).consumers.get(options.stream, durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });
  const consuming = (async () => {
    for await (const msg of messages) {
      let event: ChoreographyEvent | undefined;
      try {
        event = msg.json<ChoreographyEvent>();
      } catch {
        event = undefined;
      }
      const id = event !== undefined && definition.events.has(event.type) ? definition.correlate(event) : undefined;
      if (event !== undefined && id !== undefined) apply(id, event, msg.seq, Date.now());
      msg.ack();
    }
  })();
  const timer = setInterval(() => sweep(Date.now()), options.sweepMs ?? 1_000);
  timer.unref();

  const view = (row: Row): ChoreographyInstance => {
    const context = JSON.parse(row.context) as ChoreographyContext;
    return {
      choreography: name,
      correlationId: row.correlation_id,
      status: row.status,
      state: JSON.parse(row.state) as StateValue,
      completed: context.completed,
      awaitingCompensation: context.awaitingCompensation,
      flags: context.flags,
      lastEvent: context.lastEvent,
      updatedAt: row.updated_at,
    };
  };
  return {
    list(query = {}) {
      const sql = `SELECT * FROM choreography_trackers WHERE choreography = ?${query.flagged === true ? ' AND flagged = 1' : ''}
        ORDER BY updated_at DESC`;
      return db.prepare<[string], Row>(sql).all(name).map(view);
    },
    get(correlationId) {
      const row = read.get(name, correlationId);
      return row === undefined ? undefined : view(row);
    },
    async caughtUp() {
      for (;;) {
        const info = await consumer.info();
        if (info.num_pending === 0 && info.num_ack_pending === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      clearInterval(timer);
      await messages.close();
      await consuming;
      if (typeof options.store === 'string') db.close();
    },
  };
}
