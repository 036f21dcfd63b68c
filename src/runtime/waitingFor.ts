/** The fields of an execution that say what it waits for (an `ExecutionView` or its JSON). */
export interface WaitingSource {
  readonly status: string;
  readonly state: unknown;
  readonly attempts: Readonly<Record<string, number>>;
  readonly compensationAttempts?: Readonly<Record<string, number>> | undefined;
  readonly timers?: Readonly<Record<string, number>> | undefined;
  readonly failure: {
    readonly phase: string;
    readonly step: string;
    readonly message: string;
    readonly errorName: string;
    readonly attempts: number;
  } | null;
}

/** The steps of a saga as its summary lists them (only what names an awaited event). */
export interface WaitingSaga {
  readonly steps: readonly WaitingSagaStep[];
}

interface WaitingSagaStep {
  readonly name: string;
  readonly kind: string;
  readonly event?: string | undefined;
  readonly branches?: readonly WaitingSagaStep[] | undefined;
}

/**
 * One thing an execution waits for. A parallel group can wait for several at
 * once; a settled execution waits for nothing, a Failed one for a person.
 */
export type Waiting =
  /** An `awaitEvent` step: nothing happens until someone sends `event` (or it times out). */
  | { readonly kind: 'event'; readonly step: string; readonly event: string; readonly timeoutAt: number | null }
  /** A step's attempt is in flight. */
  | { readonly kind: 'step'; readonly step: string; readonly attempt: number; readonly timeoutAt: number | null }
  /** A compensation is in flight. */
  | { readonly kind: 'compensation'; readonly step: string; readonly attempt: number }
  /** A retry backoff: attempt `attempt` starts at `dueAt`. */
  | {
      readonly kind: 'retry';
      readonly step: string;
      readonly attempt: number;
      readonly dueAt: number | null;
      readonly compensation: boolean;
    }
  /** Failed: a person must fix the cause, then retry. */
  | {
      readonly kind: 'person';
      readonly step: string;
      readonly phase: string;
      readonly message: string;
      readonly errorName: string;
      readonly attempts: number;
    };

function findStep(steps: readonly WaitingSagaStep[], name: string): WaitingSagaStep | undefined {
  for (const s of steps) {
    if (s.name === name) return s;
    const inner = s.branches === undefined ? undefined : findStep(s.branches, name);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** `[step, sub-state]` pairs of a phase's state value, parallel branches flattened. */
function leaves(value: unknown): [string, string][] {
  if (typeof value === 'string') return [[value, '']];
  if (typeof value !== 'object' || value === null) return [];
  const out: [string, string][] = [];
  for (const [step, inner] of Object.entries(value as Record<string, unknown>)) {
    if (typeof inner === 'string') out.push([step, inner]);
    // A parallel group: each region is a branch step with its own sub-state.
    else for (const [branch, sub] of leaves(inner)) out.push([branch, sub]);
  }
  return out;
}

/**
 * What an execution waits for right now, read from its state and timers: an
 * event (and its type), a retry's due time, a step in flight, or a person.
 *
 * @example
 * waitingFor(await engine.get(id), sagaSummary(engine.definition('loan-approval')));
 * // [{ kind: 'event', step: 'underwriterDecision', event: 'underwriter.decided', timeoutAt: 1763… }]
 */
export function waitingFor(execution: WaitingSource, saga: WaitingSaga): Waiting[] {
  if (execution.status === 'Failed' && execution.failure !== null) {
    const { step, phase, message, errorName, attempts } = execution.failure;
    return [{ kind: 'person', step, phase, message, errorName, attempts }];
  }
  if (execution.status !== 'Running' && execution.status !== 'Compensating') return [];
  const timers = execution.timers ?? {};
  const phase = execution.status;
  const value = (execution.state as Record<string, unknown> | null)?.[phase];
  const out: Waiting[] = [];
  for (const [step, sub] of leaves(value)) {
    if (phase === 'Running') {
      const definition = findStep(saga.steps, step);
      if (definition?.kind === 'awaitEvent' && definition.event !== undefined) {
        out.push({ kind: 'event', step, event: definition.event, timeoutAt: timers[`timeout:${step}`] ?? null });
      } else if (sub === 'run') {
        const attempt = execution.attempts[step] ?? 1;
        out.push({ kind: 'step', step, attempt, timeoutAt: timers[`timeout:${step}`] ?? null });
      } else if (sub === 'backoff') {
        const attempt = (execution.attempts[step] ?? 1) + 1;
        out.push({ kind: 'retry', step, attempt, dueAt: timers[`backoff:${step}`] ?? null, compensation: false });
      }
    } else {
      const attempts = execution.compensationAttempts ?? {};
      if (sub === 'run') out.push({ kind: 'compensation', step, attempt: attempts[step] ?? 1 });
      else if (sub === 'backoff') {
        const dueAt = timers[`compensation-backoff:${step}`] ?? null;
        out.push({ kind: 'retry', step, attempt: (attempts[step] ?? 1) + 1, dueAt, compensation: true });
      }
    }
  }
  return out;
}

/** `in 4s`, `in 2m 5s`, `in 3h 20m`, `now`: how long until `at`. */
export function formatDue(at: number, now: number = Date.now()): string {
  const ms = at - now;
  if (ms <= 0) return 'now';
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `in ${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `in ${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `in ${h}h ${m % 60}m`;
  return `in ${Math.floor(h / 24)}d ${h % 24}h`;
}

/** One line of plain text for a wait, as `show`, `ls` and the inspector print it. */
export function describeWaiting(wait: Waiting, now: number = Date.now()): string {
  switch (wait.kind) {
    case 'event':
      return `waits for event "${wait.event}" (step ${wait.step})${wait.timeoutAt === null ? '' : `, times out ${formatDue(wait.timeoutAt, now)}`}`;
    case 'step':
      return `runs ${wait.step}, attempt ${wait.attempt}${wait.timeoutAt === null ? '' : `, times out ${formatDue(wait.timeoutAt, now)}`}`;
    case 'compensation':
      return `compensates ${wait.step}, attempt ${wait.attempt}`;
    case 'retry':
      return `waits to retry ${wait.compensation ? 'the compensation of ' : ''}${wait.step}: attempt ${wait.attempt} ${wait.dueAt === null ? 'soon' : formatDue(wait.dueAt, now)}`;
    case 'person':
      return `waits for a person: ${wait.phase === 'Compensating' ? 'the compensation of ' : ''}${wait.step} gave up after ${wait.attempts} attempt(s) (${wait.errorName}: ${wait.message})`;
  }
}

/** The fields of an execution that say how it ended (an `ExecutionView` or its JSON). */
export interface SettledSource {
  readonly status: string;
  readonly completed: readonly string[];
  readonly reason: { readonly kind: string; readonly message: string; readonly step?: string | undefined } | null;
}

/**
 * One line for a list row of an execution that waits for nothing: why a
 * Compensated one was undone (its last completed step was undone, so naming
 * it says nothing), else the last step that completed; undefined before any.
 */
export function describeSettled(e: SettledSource): string | undefined {
  if (e.status === 'Compensated' && e.reason !== null) {
    if (e.reason.kind === 'cancelled') return `undone: cancelled (${e.reason.message})`;
    if (e.reason.kind === 'deadline') return 'undone: the deadline passed';
    return `undone after ${e.reason.step ?? 'a step'} failed`;
  }
  const last = e.completed.at(-1);
  return last === undefined ? undefined : `last step ${last}`;
}
