import type { PlannedStep, SagaPlan } from '../compile/sagaPlan.js';
import { InvalidOperationError } from '../definition/errors.js';
import type { PathRunResult } from './runPathOnce.js';
import type { SagaPath } from './SagaPath.js';
import { SagaPathViolation } from './SagaPathViolation.js';

const show = (value: unknown) => JSON.stringify(value);
const describe = (value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : show(value));

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
  readonly result: PathRunResult;
  readonly liveEffects?: ((executionId: string) => readonly string[]) | undefined;
}

/**
 * The saga invariants every path must keep. Throws a SagaPathViolation for
 * the first one broken.
 *
 * @internal
 */
export function checkInvariants({ path, plan, result, liveEffects }: InvariantInput): void {
  const { view, journal, calls } = result;
  const fail = (invariant: string, divergence: string, step?: string): never => {
    throw new SagaPathViolation(path.name, invariant, divergence, view.id, {
      ...(step === undefined ? {} : { step }),
      journal: journal.slice(-8),
    });
  };
  const mine = calls.filter((c) => c.executionId === view.id);
  const compensations = mine.filter((c) => c.kind === 'compensate' && c.ok === true);

  // Each compensation applies once per key: never called again after the engine recorded it done.
  for (const entry of journal.filter((e) => e.type === 'StepCompensated')) {
    const again = mine.find((c) => c.kind === 'compensate' && c.step === entry.step && c.at > entry.at);
    const twice = journal.filter((e) => e.type === 'StepCompensated' && e.step === entry.step).length > 1;
    if (again !== undefined || twice) {
      fail(
        'each compensation applied once per key',
        `the compensation of ${entry.step ?? '?'} ran again${again === undefined ? '' : ` (attempt ${again.attempt}, key ${show(again.key)})`} after the journal recorded it done (#${entry.seq})`,
        entry.step,
      );
    }
  }

  if (view.status !== path.expected.status) {
    const last = view.errors.at(-1);
    fail(
      'final status',
      `expected ${path.expected.status}, got ${view.status}${last === undefined ? '' : ` (last error: ${last.name}: ${last.message} in ${last.phase} of "${last.step}")`}`,
    );
  }
  if (path.expected.reason !== undefined && view.reason?.kind !== path.expected.reason) {
    fail('compensation says why it started', `expected reason ${path.expected.reason}, got ${show(view.reason)}`);
  }
  for (const [step, fate] of Object.entries(path.steps)) {
    if (fate !== 'cancelInBackoff' && fate !== 'cancelInFlight') continue;
    const outcome = result.cancels.has(step) ? result.cancels.get(step) : 'never sent';
    if (path.expected.cancelRefused === true) {
      if (!(outcome instanceof InvalidOperationError)) {
        fail(
          'no cancellation after the pivot',
          `cancel during the backoff of ${step} should be refused, got ${outcome === undefined ? 'accepted' : describe(outcome)}`,
          step,
        );
      }
    } else if (outcome !== undefined) {
      fail('an operator can cancel before the pivot', `cancel at ${step}: ${describe(outcome)}`, step);
    }
  }
  const completed = [...view.completed].sort();
  if (show(completed) !== show([...path.expected.completed].sort())) {
    fail('completed steps', `expected ${show(path.expected.completed)}, got ${show(view.completed)}`);
  }
  const unknown = [...view.unknown].sort();
  if (show(unknown) !== show([...path.expected.unknown].sort())) {
    fail(
      'a step timed out or stopped in flight has an unknown outcome',
      `expected unknown ${show(path.expected.unknown)}, got ${show(view.unknown)}`,
    );
  }
  for (const call of compensations) {
    const told = view.completed.includes(call.step) ? 'completed' : 'unknown';
    if (call.outcome !== told) {
      fail(
        "a compensation is told its step's outcome",
        `the compensation of ${call.step} got ctx.outcome ${show(call.outcome)}, expected ${show(told)}`,
        call.step,
      );
    }
  }
  const compensated = once(compensations.map((c) => c.step));
  for (const step of compensated) {
    if (!view.completed.includes(step) && !view.unknown.includes(step))
      fail(
        'no compensation for a step that did not complete (or whose outcome is unknown)',
        `${step} was compensated`,
        step,
      );
    const planned: PlannedStep | undefined = plan.steps.get(step);
    if (planned !== undefined && (planned.pivot || planned.afterPivot)) {
      fail('no compensation at or after the pivot', `${step} was compensated`, step);
    }
  }
  const order = firstDivergence(compensated, path.expected.compensations);
  if (order !== undefined) fail('compensations in exact reverse order of completed steps', order);
  for (const call of mine) {
    const expected = call.kind === 'run' ? `${view.id}:${call.step}` : `${view.id}:${call.step}:compensate`;
    if (call.key !== expected)
      fail(
        'idempotency keys',
        `${call.kind} ${call.step} got key ${show(call.key)}, expected ${show(expected)}`,
        call.step,
      );
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
  // A step re-run with the same key (after a crash, even one that killed it mid-call) returns what it first did.
  const outputs = new Map<string, string>();
  for (const call of mine.filter((c) => c.kind === 'run' && c.returned === true)) {
    const output = show(call.output);
    const first = outputs.get(call.key);
    if (first !== undefined && first !== output) {
      fail(
        'a step re-run with the same key applies its effect once',
        `${call.step} returned ${first}, then ${output}`,
        call.step,
      );
    }
    outputs.set(call.key, output);
  }
  if (liveEffects !== undefined) {
    const live = liveEffects(view.id);
    const compensable = view.completed.filter((s) => plan.steps.get(s)?.compensable === true);
    if (view.status === 'Compensated') {
      const left = live.filter((s) => compensable.includes(s));
      if (left.length > 0) fail('a Compensated saga leaves no effect behind', `still applied: ${show(left)}`, left[0]);
    }
    if (view.status === 'Completed') {
      const missing = compensable.filter((s) => !live.includes(s));
      if (missing.length > 0) fail('a Completed saga keeps all its effects', `missing: ${show(missing)}`, missing[0]);
    }
  }
}
