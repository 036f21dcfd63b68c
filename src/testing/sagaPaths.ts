import type { AnyStateMachine } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { planSaga, type SagaPlan } from '../compile/sagaPlan.js';
import type { AnySagaDefinition } from '../definition/types.js';
import type { CompensationFate, SagaPath, SagaPathKind, StepFate, WaitFate } from './SagaPath.js';
import { sagaOutline } from './sagaOutline.js';

const TERMINAL = ['Completed', 'Compensated', 'Failed'] as const;

/** Every event the outline reacts to, read off its states. */
function allEvents(machine: AnyStateMachine): { type: string }[] {
  const types = new Set<string>();
  for (const node of Object.values(machine.root.states)) {
    for (const type of node.ownEvents) types.add(type);
  }
  return [...types].map((type) => ({ type }));
}

interface LastFailure {
  readonly step?: string;
  readonly unit?: string;
  readonly member?: string;
}

/** Turns the events of an outline path into the path's faults, name and expected outcome. */
function toPath(plan: SagaPlan, events: string[], from: string[], status: SagaPath['expected']['status']): SagaPath {
  const steps: Record<string, StepFate> = {};
  const waits: Record<string, WaitFate> = {};
  const compensations: Record<string, CompensationFate> = {};
  const completed: string[] = [];
  const unknown: string[] = [];
  const undone: string[][] = [];
  const words: string[] = [];
  let retries = 0;
  let deadline = false;
  let cancelRefused = false;
  let reason: 'cancelled' | 'deadline' | undefined;
  let last: LastFailure | undefined;
  events.forEach((event, i) => {
    if (event === 'retry') {
      retries += 1;
      words.push('Failed', 'operator retries');
      return;
    }
    if (event === 'cancel') {
      // The outline state a cancel leaves is named after the path to the wait: its last segment.
      const wait = from[i]?.split('/').at(-1) ?? '?';
      waits[wait] = 'cancel';
      reason = 'cancelled';
      words.push(`cancel at ${wait}`);
      return;
    }
    const undo = /^undo\.([^.]+)\.(ok|fail)(?:\.([^.]+))?$/.exec(event);
    if (undo?.[1] !== undefined && undo[2] !== undefined) {
      const unit = undo[1];
      const members = /^.+\[(.+)\]$/.exec(unit)?.[1]?.split(',') ?? [unit];
      const again = retries > 0 && last?.unit === unit;
      if (undo[2] === 'ok') {
        // After a retry only the compensation that gave up runs again; its group's others already finished.
        const ran = again ? [last?.member ?? unit] : members;
        ran.forEach((m) => (compensations[m] = again ? 'recover' : 'ok'));
        undone.push(ran);
        const told = ran.map((m) => (unknown.includes(m) ? `${m} (outcome unknown)` : m));
        words.push(`undo ${told.join(' + ')}`);
        return;
      }
      const failing = undo[3] ?? members[0] ?? unit;
      compensations[failing] = 'fail';
      if (again) {
        words.push(`undo ${failing} fails again`);
        return;
      }
      const rest = members.filter((m) => m !== failing);
      rest.forEach((m) => (compensations[m] = 'ok'));
      if (rest.length > 0) undone.push(rest);
      words.push(`undo ${failing} fails`);
      last = { unit, member: failing };
      return;
    }
    const dot = event.lastIndexOf('.');
    const name = event.slice(0, dot);
    const fate = event.slice(dot + 1);
    if (plan.waits.has(name)) {
      waits[name] = fate as WaitFate;
      if (fate === 'arrive') completed.push(name);
      if (fate !== 'arrive') words.push(`${name} times out`);
      return;
    }
    if (retries > 0 && last?.step === name) {
      if (fate === 'ok') {
        steps[name] = 'recover';
        completed.push(name);
        words.push(`${name} succeeds`);
      } else words.push(`${name} fails again`);
      return;
    }
    steps[name] = fate as StepFate;
    switch (fate as StepFate) {
      case 'ok':
        completed.push(name);
        return;
      case 'flaky':
        completed.push(name);
        words.push(`${name} fails once`);
        return;
      case 'fail':
        last = { step: name };
        words.push(`${name} fails`);
        return;
      case 'timeout':
        unknown.push(name);
        words.push(`${name} times out`);
        return;
      case 'cancelInFlight':
        unknown.push(name);
        reason = 'cancelled';
        words.push(`cancel while ${name} runs`);
        return;
      case 'cancelInBackoff':
        if (plan.steps.get(name)?.afterPivot === true) {
          cancelRefused = true;
          completed.push(name);
          words.push(`cancel in ${name}'s retry backoff is refused (past the pivot)`);
        } else {
          reason = 'cancelled';
          words.push(`cancel in ${name}'s retry backoff`);
        }
        return;
      case 'deadline':
        unknown.push(name);
        deadline = true;
        reason = 'deadline';
        words.push(`deadline passes during ${name}`);
        return;
      case 'afterDeadline':
        deadline = true;
        completed.push(name);
        words.push(`deadline passes after the pivot, before ${name}`);
        return;
      default:
        return;
    }
  });
  const name = [words.length === 0 ? 'all steps succeed' : words.join(' -> '), status].join(' -> ');
  const operator = retries > 0 || reason !== undefined || deadline || cancelRefused;
  return {
    name,
    kind: operator ? 'operator' : words.length === 0 ? 'success' : 'failure',
    events,
    steps,
    waits,
    compensations,
    retries,
    deadline,
    expected: {
      status,
      completed,
      unknown,
      compensations: undone,
      ...(reason === undefined ? {} : { reason }),
      ...(cancelRefused ? { cancelRefused } : {}),
    },
  };
}

export interface SagaPathsOptions {
  /** Keep only paths whose name contains this text. */
  readonly filter?: string;
  /** Keep only paths of this kind: all steps succeeding, faults, or operator actions. */
  readonly kind?: SagaPathKind;
}

/**
 * Every path through a saga's chart, failures first in mind: all steps
 * succeeding; each step failing (once then succeeding, and for good) and
 * timing out; each awaited event arriving, timing out or being cancelled; each
 * compensation failing (each branch's, in a parallel group); each parallel
 * branch failing; before, at and after the pivot. And the operator's paths: a
 * Failed execution retried (after a compensation gave up, after a step past
 * the pivot gave up) ending each way it can; a cancel during a retry backoff
 * (refused past the pivot); the deadline passing before and after the pivot.
 * Enumerated with xstate/graph over the saga's outline statechart, in
 * which every outcome is a state of its own, so its shortest paths are all paths.
 *
 * @example
 * describe.each(sagaPaths(orderFulfillment))('$name', (path) => {
 *   it('keeps the saga invariants', () => runSagaPath(orderFulfillment, path));
 * });
 */
export function sagaPaths(definition: AnySagaDefinition, options: SagaPathsOptions = {}): SagaPath[] {
  const plan = planSaga(definition);
  const machine = sagaOutline(definition);
  const graphPaths = getShortestPaths(machine, { events: allEvents(machine) });
  const paths: SagaPath[] = [];
  for (const graphPath of graphPaths) {
    const value = String(graphPath.state.value);
    const status = TERMINAL.find((t) => value.endsWith(`=>${t}`));
    if (status === undefined) continue;
    // Each step holds the state its event led to; an event's source is the step before.
    const all = graphPath.steps;
    const kept = all.map((s, i) => ({ type: s.event.type, from: String(all[i - 1]?.state.value ?? '') }));
    const steps = kept.filter((s) => !s.type.startsWith('xstate.'));
    const events = steps.map((s) => s.type);
    const from = steps.map((s) => s.from);
    paths.push(toPath(plan, events, from, status));
  }
  const filtered = paths.filter(
    (p) =>
      (options.filter === undefined || p.name.includes(options.filter)) &&
      (options.kind === undefined || p.kind === options.kind),
  );
  // Shortest first: the early failures are the easiest to read.
  return filtered.sort((a, b) => a.events.length - b.events.length || a.name.localeCompare(b.name));
}
