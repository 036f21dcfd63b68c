import { createMachine, type AnyStateMachine } from 'xstate';
import { planSaga, type PlannedEntry, type PlannedStep } from '../compile/sagaPlan.js';
import type { AnySagaDefinition } from '../definition/types.js';

interface Transition {
  readonly target: string;
}
type StateConfig = { type?: 'final'; on?: Record<string, Transition> };

/** A compensable unit as the rollback sees it: one step, or the finished branches of a group. */
interface Undo {
  readonly name: string;
  readonly steps: readonly string[];
  readonly group: boolean;
}

interface RollbackMode {
  /** Each compensation may fail (one fault per rollback). */
  readonly faults: boolean;
  /** A failed compensation is then retried by an operator. */
  readonly retry: boolean;
}

const CLEAN: RollbackMode = { faults: false, retry: false };

/**
 * The saga's outline statechart for path enumeration: the compiled chart with
 * retry counters, timers and actors abstracted into events (`charge.ok`,
 * `charge.flaky`, `charge.fail`, `charge.timeout`, `fraudCheck.arrive`,
 * `cancel`, `undo.charge.ok`, `undo.charge.fail`, `undo.group[a,b].fail.a`)
 * and the operator's actions (`retry` of a Failed execution,
 * `charge.cancelInBackoff`, the deadline passing in flight `charge.deadline`
 * or after the pivot `ship.afterDeadline`). Every state is named after the
 * history that reached it, so the graph is a tree and each of its shortest
 * paths is one scenario. Each retry policy is one "flaky" and one "exhausted"
 * case, and a path holds one fault on the way forward (plus what the rollback
 * does), which keeps the count near n² instead of 2ⁿ.
 *
 * @internal
 */
export function sagaOutline(definition: AnySagaDefinition): AnyStateMachine {
  const plan = planSaga(definition);
  const states: Record<string, StateConfig> = {};
  const steps = plan.entries.filter((e): e is PlannedStep => e.kind === 'step');
  // The rollback with the most compensations (the last step before the pivot failing) also gets operator retries.
  const lastStepBeforePivot = steps.filter((s) => !s.afterPivot).at(-1);
  // The deadline passes while this step is in flight (before the pivot), or before this one starts (after it).
  const deadlineStep = steps.filter((s) => !s.afterPivot && !s.pivot).at(-1);
  const afterDeadlineStep = steps.find((s) => s.afterPivot);

  const outcome = (prefix: string, status: 'Completed' | 'Compensated' | 'Failed'): string => {
    const id = `${prefix}=>${status}`;
    states[id] = { type: 'final' };
    return id;
  };

  /** A Failed execution an operator retries: `okEvent` then goes on at `resume`, a `failEvents` ends Failed again. */
  const failedWithRetry = (
    at: string,
    okEvent: string,
    failEvents: readonly string[],
    resume: (id: string) => string,
  ): string => {
    const failed = `${at}=>Failed`;
    const retried = `${failed}/retry`;
    const on: Record<string, Transition> = { [okEvent]: { target: resume(retried) } };
    failEvents.forEach((event, i) => (on[event] = { target: outcome(`${retried}+fail${i}`, 'Failed') }));
    states[retried] = { on };
    states[failed] = { on: { retry: { target: retried } } };
    return failed;
  };

  /** The rollback chain from `undos` (already in reverse order); returns its first state. */
  const rollback = (prefix: string, undos: readonly Undo[], mode: RollbackMode): string => {
    const chain = (i: number, at: string, faults: boolean): string => {
      const undo = undos[i];
      if (undo === undefined) return outcome(at, 'Compensated');
      const id = `${at}/undo:${undo.name}`;
      const ok = `undo.${undo.name}.ok`;
      const on: Record<string, Transition> = { [ok]: { target: chain(i + 1, id, faults) } };
      if (faults) {
        // In a group, each branch's compensation failing is its own case.
        const failing = undo.group ? undo.steps.map((b) => `undo.${undo.name}.fail.${b}`) : [`undo.${undo.name}.fail`];
        failing.forEach((event, f) => {
          const at = `${id}+fail${f}`;
          on[event] = {
            target: mode.retry
              ? failedWithRetry(at, ok, [event], (retried) => chain(i + 1, retried, false))
              : outcome(at, 'Failed'),
          };
        });
      }
      states[id] = { on };
      return id;
    };
    return chain(0, prefix, mode.faults);
  };

  const undoFor = (step: PlannedStep): Undo[] =>
    step.compensable ? [{ name: step.name, steps: [step.name], group: false }] : [];

  /**
   * Builds the states of entries[index..] given the compensable units completed
   * so far (reverse order). After one fault (`faulted`), the rest of the path
   * only succeeds.
   */
  const build = (index: number, done: readonly Undo[], prefix: string, faulted: boolean): string => {
    const entry: PlannedEntry | undefined = plan.entries[index];
    if (entry === undefined) return outcome(prefix, 'Completed');
    // `own`: a step that timed out may hold its effect (unknown outcome): it is undone first.
    const fail = (why: string, mode: RollbackMode = { faults: true, retry: false }, own: readonly Undo[] = []) => {
      const at = `${prefix}/${entry.name}:${why}`;
      return entry.afterPivot ? outcome(at, 'Failed') : rollback(at, [...own, ...done], mode);
    };
    if (entry.kind === 'step') {
      const id = `${prefix}/${entry.name}`;
      const name = entry.name;
      const undos = [...undoFor(entry), ...done];
      const next = (at: string) => build(index + 1, undos, at, true);
      const on: Record<string, Transition> = { [`${name}.ok`]: { target: build(index + 1, undos, id, faulted) } };
      if (!faulted) {
        const retries = entry.retry.maxAttempts > 1;
        if (retries) on[`${name}.flaky`] = { target: next(`${id}+flaky`) };
        on[`${name}.fail`] = {
          target: entry.afterPivot
            ? failedWithRetry(`${id}:fail`, `${name}.ok`, [`${name}.fail`], next)
            : fail('fail', { faults: true, retry: entry === lastStepBeforePivot }),
        };
        if (entry.definition.options.timeoutMs !== undefined) {
          on[`${name}.timeout`] = { target: fail('timeout', undefined, undoFor(entry)) };
        }
        if (retries) {
          on[`${name}.cancelInBackoff`] = {
            target: entry.afterPivot ? next(`${id}+cancelRefused`) : rollback(`${id}:cancelInBackoff`, done, CLEAN),
          };
        }
        // In flight at a cancel or the deadline, the step's outcome is unknown: it is undone first.
        if (!entry.afterPivot && !entry.pivot && entry.compensable) {
          on[`${name}.cancelInFlight`] = {
            target: rollback(`${id}:cancelInFlight`, [...undoFor(entry), ...done], CLEAN),
          };
        }
        if (entry === deadlineStep) {
          on[`${name}.deadline`] = { target: rollback(`${id}:deadline`, [...undoFor(entry), ...done], CLEAN) };
        }
        if (entry === afterDeadlineStep) on[`${name}.afterDeadline`] = { target: next(`${id}+afterDeadline`) };
      }
      states[id] = { on };
      return id;
    }
    if (entry.kind === 'awaitEvent') {
      const id = `${prefix}/${entry.name}`;
      const on: Record<string, Transition> = {
        [`${entry.name}.arrive`]: { target: build(index + 1, done, id, faulted) },
      };
      if (!faulted && entry.definition.options.timeoutMs !== undefined)
        on[`${entry.name}.timeout`] = { target: fail('timeout') };
      if (!faulted && !entry.afterPivot)
        on['cancel'] = { target: rollback(`${id}:cancel`, done, { faults: true, retry: false }) };
      states[id] = { on };
      return id;
    }
    // A parallel group: each branch ends ok or failed; the group fails if one did.
    const branchStates = (
      b: number,
      finished: readonly PlannedStep[],
      failed: PlannedStep | undefined,
      path: string,
      flaky: boolean,
    ): string => {
      const branch = entry.branches[b];
      if (branch === undefined) {
        const undos = finished.filter((s) => s.compensable).map((s) => s.name);
        const groupUndo: Undo[] =
          undos.length === 0 ? [] : [{ name: `${entry.name}[${undos.join(',')}]`, steps: undos, group: true }];
        if (failed === undefined) return build(index + 1, [...groupUndo, ...done], path, faulted || flaky);
        if (!entry.afterPivot) return rollback(`${path}:fail`, [...groupUndo, ...done], { faults: true, retry: false });
        // After the pivot the group's failure waits for a person; a retry re-runs the branch that failed.
        return failedWithRetry(`${path}:fail`, `${failed.name}.ok`, [`${failed.name}.fail`], (retried) =>
          build(index + 1, done, retried, true),
        );
      }
      const id = `${path}/${branch.name}`;
      const on: Record<string, Transition> = {
        [`${branch.name}.ok`]: { target: branchStates(b + 1, [...finished, branch], failed, `${id}+ok`, flaky) },
      };
      // Once a branch failed (or one fault happened), the others are let finish: no new fault cases.
      if (failed === undefined && !flaky && !faulted) {
        if (branch.retry.maxAttempts > 1) {
          on[`${branch.name}.flaky`] = {
            target: branchStates(b + 1, [...finished, branch], undefined, `${id}+flaky`, true),
          };
        }
        on[`${branch.name}.fail`] = { target: branchStates(b + 1, finished, branch, `${id}+fail`, flaky) };
      }
      states[id] = { on };
      return id;
    };
    return branchStates(0, [], undefined, `${prefix}/${entry.name}`, false);
  };

  const initial = build(0, [], '', false);
  return createMachine({ id: `${definition.name}-outline`, initial, states });
}
