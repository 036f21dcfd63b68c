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
}

/**
 * The saga's outline statechart for path enumeration: the compiled chart with
 * retry counters, timers and actors abstracted into events (`charge.ok`,
 * `charge.flaky`, `charge.fail`, `charge.timeout`, `fraudCheck.arrive`,
 * `cancel`, `undo.charge.ok`, `undo.charge.fail`). Every state is named after
 * the history that reached it, so the graph is a DAG and each simple path is
 * one scenario. Each retry policy is one "flaky" and one "exhausted" case, and
 * a path holds one fault on the way forward (plus what the rollback does).
 *
 * @internal
 */
export function sagaOutline(definition: AnySagaDefinition): AnyStateMachine {
  const plan = planSaga(definition);
  const states: Record<string, StateConfig> = {};
  // Every outcome is a final state of its own, named after the history that reached it:
  // the outline is then a tree, and its shortest paths are all of its paths.
  const outcome = (prefix: string, status: 'Completed' | 'Compensated' | 'Failed'): string => {
    const id = `${prefix}=>${status}`;
    states[id] = { type: 'final' };
    return id;
  };

  /** The rollback chain from `undos` (already in reverse order); returns its first state. */
  const rollback = (prefix: string, undos: readonly Undo[]): string => {
    const chain = (i: number, at: string): string => {
      const undo = undos[i];
      if (undo === undefined) return outcome(at, 'Compensated');
      const id = `${at}/undo:${undo.name}`;
      states[id] = {
        on: {
          [`undo.${undo.name}.ok`]: { target: chain(i + 1, id) },
          [`undo.${undo.name}.fail`]: { target: outcome(`${id}+fail`, 'Failed') },
        },
      };
      return id;
    };
    return chain(0, prefix);
  };

  const undoFor = (step: PlannedStep): Undo[] => (step.compensable ? [{ name: step.name, steps: [step.name] }] : []);

  /**
   * Builds the states of entries[index..] given the compensable units completed
   * so far (reverse order). After one fault (`faulted`), the rest of the path
   * only succeeds: one fault per path keeps the count near n² instead of 2ⁿ.
   */
  const build = (index: number, done: readonly Undo[], prefix: string, faulted: boolean): string => {
    const entry: PlannedEntry | undefined = plan.entries[index];
    if (entry === undefined) return outcome(prefix, 'Completed');
    // `own`: a step that timed out may hold its effect (unknown outcome): it is undone first.
    const fail = (why: string, own: readonly Undo[] = []) => {
      const at = `${prefix}/${entry.name}:${why}`;
      return entry.afterPivot ? outcome(at, 'Failed') : rollback(at, [...own, ...done]);
    };
    if (entry.kind === 'step') {
      const id = `${prefix}/${entry.name}`;
      const undos = [...undoFor(entry), ...done];
      const on: Record<string, Transition> = { [`${entry.name}.ok`]: { target: build(index + 1, undos, id, faulted) } };
      if (!faulted) {
        if (entry.retry.maxAttempts > 1) {
          on[`${entry.name}.flaky`] = { target: build(index + 1, undos, `${id}+flaky`, true) };
        }
        on[`${entry.name}.fail`] = { target: fail('fail') };
        if (entry.definition.options.timeoutMs !== undefined) {
          on[`${entry.name}.timeout`] = { target: fail('timeout', undoFor(entry)) };
        }
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
      if (!faulted && !entry.afterPivot) on['cancel'] = { target: rollback(`${id}:cancel`, done) };
      states[id] = { on };
      return id;
    }
    // A parallel group: each branch ends ok or failed; the group fails if one did.
    const branchStates = (
      b: number,
      finished: readonly PlannedStep[],
      failed: boolean,
      path: string,
      flaky: boolean,
    ): string => {
      const branch = entry.branches[b];
      if (branch === undefined) {
        const undos = finished.filter((s) => s.compensable).map((s) => s.name);
        const groupUndo: Undo[] =
          undos.length === 0 ? [] : [{ name: `${entry.name}[${undos.join(',')}]`, steps: undos }];
        if (!failed) return build(index + 1, [...groupUndo, ...done], path, faulted || flaky);
        return entry.afterPivot ? outcome(`${path}:fail`, 'Failed') : rollback(`${path}:fail`, [...groupUndo, ...done]);
      }
      const id = `${path}/${branch.name}`;
      const on: Record<string, Transition> = {
        [`${branch.name}.ok`]: { target: branchStates(b + 1, [...finished, branch], failed, `${id}+ok`, flaky) },
      };
      // Once a branch failed (or one fault happened), the others are let finish: no new fault cases.
      if (!failed && !flaky && !faulted) {
        if (branch.retry.maxAttempts > 1) {
          on[`${branch.name}.flaky`] = {
            target: branchStates(b + 1, [...finished, branch], false, `${id}+flaky`, true),
          };
        }
        on[`${branch.name}.fail`] = { target: branchStates(b + 1, finished, true, `${id}+fail`, flaky) };
      }
      states[id] = { on };
      return id;
    };
    return branchStates(0, [], false, `${prefix}/${entry.name}`, false);
  };

  const initial = build(0, [], '', false);
  return createMachine({ id: `${definition.name}-outline`, initial, states });
}
