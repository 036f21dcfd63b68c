import type { JournalEntry } from './api.js';
import { activeStateIds } from './chartModel.js';
import type { RenderedChart } from './renderChart.js';

const STEP_CLASSES: Record<string, string> = {
  StepCompleted: 'done',
  EventReceived: 'done',
  StepFailed: 'failed',
  StepCompensated: 'compensated',
  CompensationFailed: 'failed',
};

/** Each step's state id under Running and under Compensating (parallel branches included). */
function stepStates(chart: RenderedChart): { running: Map<string, string>; compensating: Map<string, string> } {
  const running = new Map<string, string>();
  const compensating = new Map<string, string>();
  for (const id of chart.states.keys()) {
    const parts = id.split('.');
    const [, phase, first, second] = parts;
    const target = phase === 'Running' ? running : phase === 'Compensating' ? compensating : undefined;
    if (target === undefined || first === undefined) continue;
    if (parts.length === 3) target.set(first, id);
    // A parallel group's branches sit one level deeper; only its regions are steps.
    else if (
      parts.length === 4 &&
      second !== undefined &&
      chart.states.get(parts.slice(0, 3).join('.'))?.classList.contains('state-parallel') === true
    ) {
      target.set(second, id);
    }
  }
  return { running, compensating };
}

/** Marks what the execution did on the statechart: the current state, and each step's fate so far. */
export function paintStatechart(
  chart: RenderedChart,
  machineId: string,
  state: unknown,
  entries: readonly JournalEntry[],
): void {
  for (const group of chart.states.values())
    group.classList.remove('active', 'current', 'done', 'failed', 'compensated');
  const active = activeStateIds(machineId, state);
  active.forEach((id) => chart.states.get(id)?.classList.add('active'));
  const deepest = [...active].reverse().find((id) => chart.states.has(id));
  if (deepest !== undefined) chart.states.get(deepest)?.classList.add('current');
  const { running, compensating } = stepStates(chart);
  for (const entry of entries) {
    const cls = STEP_CLASSES[entry.type];
    if (cls === undefined || entry.step === undefined) continue;
    const isCompensation = entry.type === 'StepCompensated' || entry.type === 'CompensationFailed';
    const id = (isCompensation ? compensating : running).get(entry.step);
    const group = id === undefined ? undefined : chart.states.get(id);
    group?.classList.remove('done', 'failed');
    group?.classList.add(cls);
    if (entry.type === 'StepCompensated') chart.states.get(running.get(entry.step) ?? '')?.classList.add('compensated');
  }
}
