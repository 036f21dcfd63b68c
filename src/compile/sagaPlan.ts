import {
  DEFAULT_PERSISTENT_RETRY,
  DEFAULT_STEP_RETRY,
  resolveRetryPolicy,
  type ResolvedRetryPolicy,
} from '../definition/retryPolicy.js';
import type { AnySagaDefinition, AwaitEventDefinition, StepDefinition } from '../definition/types.js';

/** One step (or parallel branch) with everything the chart needs resolved. */
export interface PlannedStep {
  readonly kind: 'step';
  readonly name: string;
  readonly definition: StepDefinition;
  readonly retry: ResolvedRetryPolicy;
  readonly compensationRetry: ResolvedRetryPolicy;
  readonly compensable: boolean;
  readonly pivot: boolean;
  /** Completed after the pivot: failures retry forward, then go to Failed. */
  readonly afterPivot: boolean;
  /** The parallel group holding this step, if any. */
  readonly group: string | undefined;
}

export interface PlannedWait {
  readonly kind: 'awaitEvent';
  readonly name: string;
  readonly definition: AwaitEventDefinition;
  readonly afterPivot: boolean;
}

export interface PlannedGroup {
  readonly kind: 'parallel';
  readonly name: string;
  readonly branches: readonly PlannedStep[];
  readonly afterPivot: boolean;
}

export type PlannedEntry = PlannedStep | PlannedWait | PlannedGroup;

/** The definition read once into the facts the compiler and runtime ask for. */
export interface SagaPlan {
  readonly definition: AnySagaDefinition;
  /** Top-level entries in order: the child states of `Running`. */
  readonly entries: readonly PlannedEntry[];
  /** Every step and branch by name. */
  readonly steps: ReadonlyMap<string, PlannedStep>;
  readonly waits: ReadonlyMap<string, PlannedWait>;
  readonly pivot: string | undefined;
  /** Child states of `Compensating`, in the order they run (reverse of the saga). */
  readonly compensations: readonly (PlannedStep | PlannedGroup)[];
}

function planStep(definition: StepDefinition, afterPivot: boolean, group: string | undefined): PlannedStep {
  const { options } = definition;
  return {
    kind: 'step',
    name: definition.name,
    definition,
    retry: resolveRetryPolicy(options.retry, afterPivot ? DEFAULT_PERSISTENT_RETRY : DEFAULT_STEP_RETRY),
    compensationRetry: resolveRetryPolicy(options.compensationRetry, DEFAULT_PERSISTENT_RETRY),
    compensable: typeof options.compensate === 'function',
    pivot: options.pivot === true,
    afterPivot,
    group,
  };
}

/** @internal */
export function planSaga(definition: AnySagaDefinition): SagaPlan {
  const entries: PlannedEntry[] = [];
  const steps = new Map<string, PlannedStep>();
  const waits = new Map<string, PlannedWait>();
  let pivot: string | undefined;
  for (const entry of definition.steps) {
    const afterPivot = pivot !== undefined;
    if (entry.kind === 'step') {
      const planned = planStep(entry, afterPivot, undefined);
      steps.set(planned.name, planned);
      entries.push(planned);
      if (planned.pivot) pivot = planned.name;
    } else if (entry.kind === 'awaitEvent') {
      const planned: PlannedWait = { kind: 'awaitEvent', name: entry.name, definition: entry, afterPivot };
      waits.set(planned.name, planned);
      entries.push(planned);
    } else {
      const branches = entry.branches.map((b) => planStep(b, afterPivot, entry.name));
      for (const b of branches) steps.set(b.name, b);
      entries.push({ kind: 'parallel', name: entry.name, branches, afterPivot });
    }
  }
  const compensations: (PlannedStep | PlannedGroup)[] = [];
  for (const entry of [...entries].reverse()) {
    if (entry.kind === 'step' && entry.compensable) compensations.push(entry);
    if (entry.kind === 'parallel') {
      const branches = entry.branches.filter((b) => b.compensable);
      if (branches.length > 0) compensations.push({ ...entry, branches });
    }
  }
  return { definition, entries, steps, waits, pivot, compensations };
}
