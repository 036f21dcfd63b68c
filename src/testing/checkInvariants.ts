import type { PlannedStep, SagaPlan } from '../compile/sagaPlan.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import type { EffectCall } from './instrumentSaga.js';
import type { SagaPath } from './SagaPath.js';
import { SagaPathViolation } from './SagaPathViolation.js';

const show = (value: unknown) => JSON.stringify(value);

/** Consecutive duplicates removed: a compensation re-run after a restore counts once. */
const once = (steps: string[]) => steps.filter((s, i) => s !== steps[i - 1]);

/** Where `actual` first leaves `expected`, unit by unit (a unit's members may come in any order). */
function firstDivergence(actual: readonly string[], expected: readonly (readonly string[])[]): string | undefined {
  let at = 0;
  for (const unit of expected) {
    const got = actual.slice(at, at + unit.length);
    if ([...got].sort().join() !== [...unit].sort().join()) {
      return `compensation #${at + 1}: expected ${show(unit.length === 1 ? unit[0] : unit)}, got ${show(got.length <= 1 ? got[0] : got)} (all: ${show(actual)})`;
    }
    at += unit.length;
  }
  return at === actual.length
    ? undefined
    : `unexpected compensations after the expected ones: ${show(actual.slice(at))}`;
}

export interface InvariantInput {
  readonly path: SagaPath;
  readonly plan: SagaPlan;
  readonly view: ExecutionView;
  readonly journal: readonly JournalEntry[];
  readonly calls: readonly EffectCall[];
  readonly liveEffects?: ((executionId: string) => readonly string[]) | undefined;
}

/**
 * The saga invariants every path must keep. Throws a SagaPathViolation for
 * the first one broken.
 *
 * @internal
 */
export function checkInvariants({ path, plan, view, journal, calls, liveEffects }: InvariantInput): void {
  const fail = (invariant: string, divergence: string): never => {
    throw new SagaPathViolation(path.name, invariant, divergence, view.id);
  };
  const mine = calls.filter((c) => c.executionId === view.id);
  const compensated = once(mine.filter((c) => c.kind === 'compensate' && c.ok === true).map((c) => c.step));

  if (view.status !== path.expected.status) {
    fail('final status', `expected ${path.expected.status}, got ${view.status}`);
  }
  const completed = [...view.completed].sort();
  if (show(completed) !== show([...path.expected.completed].sort())) {
    fail('completed steps', `expected ${show(path.expected.completed)}, got ${show(view.completed)}`);
  }
  for (const step of compensated) {
    if (!view.completed.includes(step) && !view.unknown.includes(step))
      fail('no compensation for a step that did not complete (or whose outcome is unknown)', `${step} was compensated`);
    const planned: PlannedStep | undefined = plan.steps.get(step);
    if (planned !== undefined && (planned.pivot || planned.afterPivot)) {
      fail('no compensation at or after the pivot', `${step} was compensated`);
    }
  }
  const order = firstDivergence(compensated, path.expected.compensations);
  if (order !== undefined) fail('compensations in exact reverse order of completed steps', order);
  for (const call of mine) {
    const expected = call.kind === 'run' ? `${view.id}:${call.step}` : `${view.id}:${call.step}:compensate`;
    if (call.key !== expected)
      fail('idempotency keys', `${call.kind} ${call.step} got key ${show(call.key)}, expected ${show(expected)}`);
  }
  const journalled = journal.filter((e) => e.type === 'StepCompensated').map((e) => e.step ?? '');
  if (show([...journalled].sort()) !== show([...compensated].sort())) {
    fail(
      'the journal tells the same story',
      `journal compensated ${show(journalled)}, participants saw ${show(compensated)}`,
    );
  }
  const journalOrder = firstDivergence(journalled, path.expected.compensations);
  if (journalOrder !== undefined)
    fail('compensations in exact reverse order of completed steps', `journal: ${journalOrder}`);
  const journalCompleted = journal
    .filter((e) => e.type === 'StepCompleted' || e.type === 'EventReceived')
    .map((e) => e.step ?? '')
    .sort();
  if (show(journalCompleted) !== show(completed)) {
    fail(
      'the journal tells the same story',
      `journal completed ${show(journalCompleted)}, execution says ${show(view.completed)}`,
    );
  }
  const outputs = new Map<string, string>();
  for (const call of mine.filter((c) => c.kind === 'run' && c.ok === true)) {
    const output = show(call.output);
    const first = outputs.get(call.key);
    if (first !== undefined && first !== output) {
      fail('a step re-run with the same key applies its effect once', `${call.step} returned ${first}, then ${output}`);
    }
    outputs.set(call.key, output);
  }
  if (liveEffects !== undefined) {
    const live = liveEffects(view.id);
    const compensable = view.completed.filter((s) => plan.steps.get(s)?.compensable === true);
    if (view.status === 'Compensated') {
      const left = live.filter((s) => compensable.includes(s));
      if (left.length > 0) fail('a Compensated saga leaves no effect behind', `still applied: ${show(left)}`);
    }
    if (view.status === 'Completed') {
      const missing = compensable.filter((s) => !live.includes(s));
      if (missing.length > 0) fail('a Completed saga keeps all its effects', `missing: ${show(missing)}`);
    }
  }
}
