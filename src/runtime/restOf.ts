import { DEADLINE_EVENT, type SagaContext } from '../compile/sagaContext.js';

/** Where an execution stands between transitions, as passivation sees it. @internal */
export interface Rest {
  /** A step or compensation is in flight: the execution must stay in memory. */
  readonly moving: boolean;
  /**
   * The earliest armed durable timer (epoch ms), a running step's timeout included, or
   * null when only an event, a command or a person (or a step without a timeout) can move it.
   */
  readonly wakeAt: number | null;
}

// Invoked timer actors by id prefix, and the context key of their due time (see compile/runningStates.ts).
const TIMER_PREFIXES = ['timeout.', 'backoff.', 'compensation-backoff.'] as const;

/** The context key of a timer child's due time (`timeout.charge` → `timeout:charge`), or undefined for another child. */
function timerKeyOf(childId: string): string | undefined {
  for (const prefix of TIMER_PREFIXES) {
    if (childId.startsWith(prefix)) return `${prefix.slice(0, -1)}:${childId.slice(prefix.length)}`;
  }
  return undefined;
}

/**
 * Reads an execution's rest from its live snapshot: the invoked children say what is
 * armed right now, so a due time left in context by a state that was exited never
 * wakes anything.
 *
 * @internal
 */
export function restOf(snapshot: {
  readonly context: SagaContext;
  readonly children: Record<string, unknown>;
  can(event: { type: string }): boolean;
}): Rest {
  let wakeAt: number | null = null;
  let moving = false;
  for (const id in snapshot.children) {
    if (snapshot.children[id] === undefined) continue;
    let due: number | null | undefined;
    if (id === 'deadline') {
      // Past the pivot the deadline changes nothing, so it wakes nothing.
      if (snapshot.context.deadlineAt === null || !snapshot.can({ type: DEADLINE_EVENT })) continue;
      due = snapshot.context.deadlineAt;
    } else {
      const timer = timerKeyOf(id);
      // Anything that is not a timer (a step, a compensation, or a child we do not know) is work in flight.
      if (timer === undefined) {
        moving = true;
        continue;
      }
      due = snapshot.context.timers[timer];
    }
    if (due !== null && due !== undefined && (wakeAt === null || due < wakeAt)) wakeAt = due;
  }
  // A step in flight keeps its timeout's due time too: past it, with nothing moving the
  // execution, the store lists it as stuck (ListQuery.overdueBefore).
  return { moving, wakeAt };
}

/** Whether an execution at this rest leaves memory: nothing in flight and nothing due within `thresholdMs`. @internal */
export function shouldPark(rest: Rest, now: number, thresholdMs: number): boolean {
  return !rest.moving && (rest.wakeAt === null || rest.wakeAt - now > thresholdMs);
}
