/** What this module reads of a drawn statechart (a `RenderedChart`): its states by id and their classes. */
export interface ChartStates {
  readonly states: ReadonlyMap<string, { readonly classList: { contains(name: string): boolean } }>;
}

/** What it reads of a journal entry. */
interface Entry {
  readonly type: string;
  readonly step?: string | undefined;
  readonly data?: unknown;
}

/** Each step's state id under Running and under Compensating (parallel branches included). */
export function stepStates(chart: ChartStates): { running: Map<string, string>; compensating: Map<string, string> } {
  const running = new Map<string, string>();
  const compensating = new Map<string, string>();
  for (const id of chart.states.keys()) {
    const parts = id.split('.');
    const [, phase, first, second] = parts;
    const target = phase === 'Running' ? running : phase === 'Compensating' ? compensating : undefined;
    if (target === undefined || first === undefined) continue;
    if (parts.length === 3) target.set(first, id);
    // A parallel group's branches sit one level deeper; only its regions are steps.
    else if (parts.length === 4 && second !== undefined && isParallel(chart, parts.slice(0, 3).join('.'))) {
      target.set(second, id);
    }
  }
  return { running, compensating };
}

const isParallel = (chart: ChartStates, id: string): boolean =>
  chart.states.get(id)?.classList.contains('state-parallel') === true;

const parentOf = (id: string): string => id.slice(0, id.lastIndexOf('.'));

/**
 * The states the statechart was in after the last of `entries`, read from the
 * journal alone (the store keeps only the newest snapshot): a step's `run`
 * while it runs, its `backoff` while a retry waits, a parallel branch's `done`,
 * the compensation running, the end reached. Ancestors included, outermost first.
 */
export function journalStateIds(chart: ChartStates, machineId: string, entries: readonly Entry[]): string[] {
  const { running, compensating } = stepStates(chart);
  /** The active leaf of each region that moved: one, or one per branch of a parallel group. */
  let leaves = new Map<string, string>();
  const enter = (stepId: string | undefined, sub: string) => {
    if (stepId === undefined) return;
    const leaf = chart.states.has(`${stepId}.${sub}`) ? `${stepId}.${sub}` : stepId;
    const group = parentOf(stepId);
    // Inside a parallel group the other branches stay where they are; elsewhere one state is active.
    if (isParallel(chart, group)) {
      for (const key of leaves.keys()) if (!key.startsWith(`${group}.`)) leaves.delete(key);
    } else leaves = new Map();
    leaves.set(stepId, leaf);
  };
  for (const e of entries) {
    const step = e.step ?? '';
    const compensation =
      typeof e.data === 'object' && e.data !== null && (e.data as { compensation?: unknown }).compensation === true;
    switch (e.type) {
      case 'StepStarted':
        enter(running.get(step), 'run');
        break;
      case 'StepRetryScheduled':
        enter((compensation ? compensating : running).get(step), 'backoff');
        break;
      case 'StepCompleted':
      case 'EventReceived': {
        const id = running.get(step);
        if (id !== undefined && isParallel(chart, parentOf(id))) enter(id, 'done');
        break;
      }
      case 'CompensationStarted':
        enter(compensating.get(step), 'run');
        break;
      case 'StepCompensated': {
        const id = compensating.get(step);
        if (id !== undefined && isParallel(chart, parentOf(id))) enter(id, 'done');
        break;
      }
      case 'SagaCompleted':
      case 'SagaCompensated':
      case 'SagaFailed':
        leaves = new Map([['end', `${machineId}.${e.type.slice('Saga'.length)}`]]);
        break;
    }
  }
  const active = new Set<string>();
  for (const leaf of leaves.values()) {
    const parts = leaf.split('.');
    for (let n = 1; n <= parts.length; n++) active.add(parts.slice(0, n).join('.'));
  }
  return [...active].filter((id) => id === machineId || chart.states.has(id));
}
