import type { StateValue } from 'xstate';
import type { ChoreographyFlag } from './compileChoreography.js';

/** Where an instance of a choreography is: followed, or ended. */
export type ChoreographyStatus = 'Running' | 'Compensating' | 'Completed' | 'Compensated';

export const CHOREOGRAPHY_STATUSES: readonly ChoreographyStatus[] = [
  'Running',
  'Compensating',
  'Completed',
  'Compensated',
];

/** Where one instance of a choreography is. */
export interface ChoreographyInstance {
  readonly choreography: string;
  readonly correlationId: string;
  readonly status: ChoreographyStatus;
  /** The chart state, e.g. `awaiting PaymentProcessed`. */
  readonly state: StateValue;
  /** The stages' events that arrived, in order. */
  readonly completed: readonly string[];
  /** Once a stage failed: the compensating events still expected. */
  readonly awaitingCompensation: readonly string[];
  readonly flags: readonly ChoreographyFlag[];
  readonly lastEvent: string | null;
  readonly updatedAt: number;
  /** When the instance is flagged if no next event comes (null once ended, or flagged for this wait). */
  readonly dueAt: number | null;
}

/** One line of an instance's timeline: an event off the subject, or a timeout the monitor noticed. */
export interface ChoreographyEventRecord {
  /** 1, 2, 3… within the instance. */
  readonly n: number;
  readonly at: number;
  /** The event's type, or `choreography.timeout`. */
  readonly type: string;
  /** The stream sequence of the event (null for a timeout). */
  readonly seq: number | null;
  /** The chart state after it. */
  readonly state: StateValue;
  /** The flag it raised, if any. */
  readonly flag: ChoreographyFlag['kind'] | null;
  /** The flags it cleared: the progress they were raised for came (see `compileChoreography`). */
  readonly cleared: readonly ChoreographyFlag['kind'][];
}

/** An instance with its timeline (at most the first `EVENTS_KEPT` lines are kept). */
export interface ChoreographyInstanceDetail extends ChoreographyInstance {
  readonly events: readonly ChoreographyEventRecord[];
}

/** How many timeline lines an instance keeps: a flood of out-of-order events must not grow a row without end. */
export const EVENTS_KEPT = 200;

/** How many instances a choreography has in each status, and how many are flagged. */
export interface ChoreographyCounts {
  readonly byStatus: Readonly<Record<ChoreographyStatus, number>>;
  readonly flagged: number;
  readonly total: number;
}

/** Which instances to list, newest first. */
export interface ChoreographyInstanceQuery {
  readonly status?: ChoreographyStatus | undefined;
  /** true: only the flagged ones; false: only the others. */
  readonly flagged?: boolean | undefined;
  readonly idPrefix?: string | undefined;
  /** 50 when not given. */
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

export interface ChoreographyInstancePage {
  readonly items: ChoreographyInstance[];
  readonly nextCursor: string | null;
}
