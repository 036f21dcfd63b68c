import type { Execution, JournalEntry, SagaSummary, StepSummary } from '../api.js';
import { h, json } from '../dom.js';
import { formatDuration } from '../../../src/events/journalTimeline.js';
import { remoteBadge, remoteSubject, stepBadges } from '../stepBadges.js';

function findStep(steps: readonly StepSummary[], name: string): StepSummary | undefined {
  for (const s of steps) {
    if (s.name === name) return s;
    const inner = findStep(s.branches ?? [], name);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** Attempts of a step or its compensation, each with its outcome and how long it took. */
function attemptRows(entries: readonly JournalEntry[], step: string, undo: boolean): HTMLElement[] {
  const starts = new Map<number, number>();
  const rows: HTMLElement[] = [];
  const startType = undo ? 'CompensationStarted' : 'StepStarted';
  const ends = undo ? ['StepCompensated', 'CompensationFailed'] : ['StepCompleted', 'StepFailed', 'EventReceived'];
  for (const e of entries) {
    if (e.step !== step) continue;
    if (e.type === startType) starts.set(e.attempt ?? 1, e.at);
    if (ends.includes(e.type)) {
      const began = starts.get(e.attempt ?? 1);
      const failed = e.type.endsWith('Failed');
      const data = e.data as { name?: string; message?: string } | undefined;
      rows.push(
        h(
          'tr',
          { class: failed ? 'bad' : 'good' },
          h('td', {}, String(e.attempt ?? 1)),
          h('td', {}, failed ? 'failed' : 'ok'),
          h('td', {}, began === undefined ? '' : formatDuration(e.at - began)),
          h('td', { class: 'detail' }, failed ? `${data?.name ?? 'Error'}: ${data?.message ?? ''}` : ''),
        ),
      );
    }
  }
  return rows;
}

/**
 * The side panel of one step (or its compensation, for `undo:` keys): its
 * kind and badges, input, output, attempts with durations and errors, and
 * the idempotency key its participant sees.
 */
export function stepPanel(
  key: string,
  execution: Execution,
  saga: SagaSummary,
  entries: readonly JournalEntry[],
  onClose: () => void,
): HTMLElement {
  const [lane, name = ''] = key.split(':');
  const undo = lane === 'undo';
  const step = findStep(saga.steps, name);
  const attempts = attemptRows(entries, name, undo);
  const result = execution.results[name];
  const remote = step === undefined ? undefined : remoteSubject(step, undo ? 'undo' : 'run');
  const state = undo
    ? execution.compensated.includes(name)
      ? 'compensated'
      : 'not compensated'
    : execution.completed.includes(name)
      ? 'completed'
      : execution.unknown.includes(name)
        ? 'outcome unknown'
        : execution.waiting.some((w) => w.step === name)
          ? 'in progress'
          : 'not completed';
  return h(
    'aside',
    { class: 'step-panel', 'data-testid': 'step-panel', 'data-step': name },
    h(
      'div',
      { class: 'panel-head' },
      h('h3', {}, undo ? `Compensation of ${name}` : name),
      h('button', { type: 'button', class: 'close', 'aria-label': 'close', onclick: onClose }, '×'),
    ),
    h(
      'p',
      { class: 'muted' },
      `${step?.kind ?? 'step'} · ${state}`,
      ...(step === undefined ? [] : stepBadges(step).map((b) => h('span', { class: 'chip' }, b))),
      remote === undefined ? '' : h('span', { class: 'chip remote', 'data-remote': remote }, remoteBadge(remote)),
    ),
    h(
      'dl',
      {},
      h('dt', {}, 'idempotency key'),
      h(
        'dd',
        {},
        h('code', { 'data-testid': 'idempotency-key' }, `${execution.id}:${name}${undo ? ':compensate' : ''}`),
      ),
      h('dt', {}, 'attempts'),
      h('dd', {}, String((undo ? execution.compensationAttempts[name] : execution.attempts[name]) ?? 0)),
    ),
    attempts.length === 0
      ? h('p', { class: 'muted' }, 'No attempt has finished yet.')
      : h(
          'table',
          { class: 'attempts' },
          h('thead', {}, h('tr', {}, ...['#', 'outcome', 'took', 'error'].map((c) => h('th', {}, c)))),
          h('tbody', {}, ...attempts),
        ),
    undo ? '' : h('h4', {}, 'Output'),
    undo ? '' : h('pre', { class: 'json' }, result === undefined ? '—' : json(result)),
    h('h4', {}, 'Input'),
    h('pre', { class: 'json' }, json(execution.input)),
  );
}
