import type { AnyStateMachine } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { planSaga, type SagaPlan } from '../compile/sagaPlan.js';
import type { AnySagaDefinition } from '../definition/types.js';
import type { CompensationFate, SagaPath, StepFate, WaitFate } from './SagaPath.js';
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

const STEP_WORDS: Record<string, string> = { flaky: 'fails once', fail: 'fails', timeout: 'times out' };

/** Turns the events of an outline path into the path's faults, name and expected outcome. */
function toPath(plan: SagaPlan, events: string[], from: string[], status: SagaPath['expected']['status']): SagaPath {
  const steps: Record<string, StepFate> = {};
  const waits: Record<string, WaitFate> = {};
  const compensations: Record<string, CompensationFate> = {};
  const completed: string[] = [];
  const undone: string[][] = [];
  const words: string[] = [];
  events.forEach((event, i) => {
    if (event === 'cancel') {
      // The outline state a cancel leaves is named after the path to the wait: its last segment.
      const wait = from[i]?.split('/').at(-1) ?? '?';
      waits[wait] = 'cancel';
      words.push(`cancel at ${wait}`);
      return;
    }
    const undo = /^undo\.(.+)\.(ok|fail)$/.exec(event);
    if (undo?.[1] !== undefined && undo[2] !== undefined) {
      const unit = undo[1];
      const group = /^(.+)\[(.+)\]$/.exec(unit);
      const members = group?.[2]?.split(',') ?? [unit];
      if (undo[2] === 'ok') {
        members.forEach((m) => (compensations[m] = 'ok'));
        undone.push(members);
        words.push(`undo ${members.join(' + ')}`);
      } else {
        // In a group, the first branch's compensation fails and the others still finish.
        const [first, ...rest] = members;
        if (first !== undefined) compensations[first] = 'fail';
        rest.forEach((m) => (compensations[m] = 'ok'));
        if (rest.length > 0) undone.push(rest);
        words.push(`undo ${first ?? unit} fails`);
      }
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
    steps[name] = fate as StepFate;
    if (fate === 'ok' || fate === 'flaky') completed.push(name);
    if (fate !== 'ok') words.push(`${name} ${STEP_WORDS[fate] ?? fate}`);
  });
  const name = [words.length === 0 ? 'all steps succeed' : words.join(' -> '), status].join(' -> ');
  return { name, events, steps, waits, compensations, expected: { status, completed, compensations: undone } };
}

export interface SagaPathsOptions {
  /** Keep only paths whose name contains this text. */
  readonly filter?: string;
}

/**
 * Every path through a saga's chart, failures first in mind: all steps
 * succeeding; each step failing (once then succeeding, and for good) and
 * timing out; each awaited event arriving, timing out or being cancelled; each
 * compensation failing; each parallel branch failing; before, at and after the
 * pivot. Enumerated with xstate/graph over the saga's outline statechart, in
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
  const filtered = options.filter === undefined ? paths : paths.filter((p) => p.name.includes(options.filter ?? ''));
  // Shortest first: the early failures are the easiest to read.
  return filtered.sort((a, b) => a.events.length - b.events.length || a.name.localeCompare(b.name));
}
