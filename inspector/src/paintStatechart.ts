import type { JournalEntry } from './api.js';
import { stepStates } from './journalStateIds.js';
import type { RenderedChart } from './renderChart.js';

const STEP_CLASSES: Record<string, string> = {
  StepCompleted: 'done',
  EventReceived: 'done',
  StepFailed: 'failed',
  StepCompensated: 'compensated',
  CompensationFailed: 'failed',
};

/**
 * Marks what the execution did on the statechart: the active states (ids,
 * outermost first), the deepest as current, and each step's fate in `entries`.
 */
export function paintStatechart(
  chart: RenderedChart,
  active: readonly string[],
  entries: readonly JournalEntry[],
): void {
  for (const group of chart.states.values())
    group.classList.remove('active', 'current', 'done', 'failed', 'compensated');
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
