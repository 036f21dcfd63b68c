import type { Execution, SagaSummary } from '../api.js';
import { h } from '../dom.js';
import { describeWaiting, formatDue } from '../../../src/runtime/waitingFor.js';

/** The index in the saga's top-level steps of a step or a parallel branch. */
export function topIndex(saga: SagaSummary, step: string): number {
  return saga.steps.findIndex((s) => s.name === step || (s.branches ?? []).some((b) => b.name === step));
}

/**
 * Whether the execution can still be cancelled, and if not, why: only a
 * Running execution before its pivot compensates on cancel.
 */
export function cancelRule(execution: Execution, saga: SagaSummary): { allowed: boolean; why: string } {
  if (execution.status !== 'Running') {
    return { allowed: false, why: `Cancel applies to Running executions; this one is ${execution.status}.` };
  }
  if (saga.pivot === null) return { allowed: true, why: '' };
  const pivot = topIndex(saga, saga.pivot);
  const reached = [...execution.completed, ...execution.waiting.map((w) => w.step)].some(
    (step) => topIndex(saga, step) >= pivot,
  );
  return reached
    ? {
        allowed: false,
        why: `Past the pivot (${saga.pivot}): nothing is undone after the point of no return, so it cannot be cancelled.`,
      }
    : { allowed: true, why: '' };
}

/** What Retry will do for a Failed execution, in words. */
export function retryPlan(execution: Execution): string {
  const f = execution.failure;
  if (f === null) return 'Retry resumes the execution where it stopped.';
  return f.phase === 'Compensating'
    ? `Retry runs the compensation of ${f.step} again (a fresh set of attempts), then continues the rollback.`
    : `Retry runs ${f.step} again (a fresh set of attempts), then continues forward.`;
}

const ICONS: Record<string, string> = { event: '◆', step: '▶', compensation: '↶', retry: '↻', person: '!' };

/**
 * "Where is it, what is it waiting for": one line per thing it waits for,
 * with live countdowns, and the deadline. Returns the element and a
 * function that refreshes the countdowns.
 */
export function nowLines(execution: Execution): HTMLElement {
  const lines = execution.waiting.map((w) =>
    h(
      'li',
      { class: `wait wait-${w.kind}`, 'data-kind': w.kind, 'data-step': w.step },
      h('span', { class: 'icon' }, ICONS[w.kind] ?? '•'),
      w.kind === 'event'
        ? h(
            'span',
            {},
            'Waits for event ',
            h('code', { 'data-testid': 'waiting-event' }, w.event),
            ` at step ${w.step}`,
            w.timeoutAt === null ? '' : h('span', { class: 'due', 'data-due': String(w.timeoutAt) }, ''),
          )
        : h('span', {}, capitalise(describeWaiting(w))),
    ),
  );
  if (execution.deadlineAt !== null && (execution.status === 'Running' || execution.status === 'Compensating')) {
    lines.push(
      h(
        'li',
        { class: 'wait wait-deadline' },
        h('span', { class: 'icon' }, '◷'),
        h('span', {}, 'Saga deadline ', h('span', { class: 'due', 'data-due': String(execution.deadlineAt) }, '')),
      ),
    );
  }
  if (lines.length === 0) {
    const settled: Record<string, string> = {
      Completed: 'Completed: every step ran. Nothing waits.',
      Compensated: 'Compensated: every completed step was undone. Nothing waits.',
      Running: 'Running.',
      Compensating: 'Compensating.',
      Failed: 'Failed.',
    };
    lines.push(h('li', { class: 'wait wait-none' }, settled[execution.status] ?? execution.status));
  }
  const list = h('ul', { class: 'now-lines', 'data-testid': 'waiting' }, ...lines);
  tickDue(list);
  return list;
}

/** Rewrites every countdown under `root` (elements with `data-due`). */
export function tickDue(root: ParentNode, now = Date.now()): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-due]')) {
    const at = Number(el.dataset['due']);
    el.textContent =
      ` — ${el.closest('.wait-deadline') === null ? 'times out' : ''} ${formatDue(at, now)} (${new Date(at).toLocaleString()})`.replace(
        '  ',
        ' ',
      );
  }
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
