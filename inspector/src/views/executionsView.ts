import { api, stream, type Execution, type SagaSummary } from '../api.js';
import { cursorPager } from '../cursorPager.js';
import { h } from '../dom.js';
import { latestFetcher } from '../latestFetcher.js';
import { choreographiesSection } from './choreographiesSection.js';
import { describeSettled, describeWaiting, formatDue } from '../../../src/runtime/waitingFor.js';

/** `4s`, `2m 5s`, `3h 20m`: a span of time as the countdowns print it. */
const formatSpan = (ms: number): string => formatDue(ms, 0).replace(/^in /, '');

const STATUSES = ['Running', 'Compensating', 'Completed', 'Compensated', 'Failed'] as const;
const PAGE_SIZE = 50;
/** Seconds a durable timer may be overdue before its execution counts as stuck (`#/?stuck=S` changes it). */
const STUCK_AFTER_S = 60;
const WINDOWS: [string, number][] = [
  ['any time', 0],
  ['last 5 minutes', 5 * 60_000],
  ['last hour', 3_600_000],
  ['last day', 86_400_000],
];

interface StatusCount {
  saga: string;
  status: string;
  count: number;
}

function select(
  name: string,
  options: [string, string][],
  value: string,
  onChange: (v: string) => void,
): HTMLSelectElement {
  const element = h('select', { name, 'aria-label': name });
  for (const [label, v] of options) {
    const option = h('option', { value: v }, label);
    if (v === value) option.selected = true;
    element.append(option);
  }
  element.addEventListener('change', () => onChange(element.value));
  return element;
}

/** One part of Needs attention: a title, what it means, then its rows. */
const attentionPart = (testId: string, title: string, text: string, ...body: HTMLElement[]): HTMLElement =>
  h('div', { 'data-testid': testId }, h('h4', {}, title), h('p', { class: 'muted' }, text), ...body);

/** A text filter applied on Enter or when it loses focus (an empty one removes it). */
function textFilter(name: string, placeholder: string, value: string, onChange: (v: string) => void): HTMLElement {
  const input = h('input', { name, placeholder, 'aria-label': placeholder, 'data-testid': `filter-${name}` });
  input.value = value;
  input.addEventListener('change', () => onChange(input.value.trim()));
  return input;
}

/** The execution's earliest durable timer as `[name, due]` (`timeout:reserveStock`, epoch ms). */
function earliestTimer(e: Execution): [string, number] | undefined {
  return Object.entries(e.timers).sort(([, a], [, b]) => a - b)[0];
}

/** What a stuck row says: which timer should have fired, how long ago, and what it was doing. */
function stuckText(e: Execution): string {
  const timer = earliestTimer(e);
  const overdue = timer === undefined ? '' : formatSpan(Date.now() - timer[1]);
  const doing = e.waiting[0] === undefined ? '' : ` · ${describeWaiting(e.waiting[0])}`;
  return timer === undefined ? whereText(e) : `timer ${timer[0]} overdue by ${overdue}${doing}`;
}

/** What a row says an execution is doing: what it waits for, why it was undone, or its last step. */
function whereText(e: Execution): string {
  const first = e.waiting[0];
  if (first !== undefined) return describeWaiting(first);
  return describeSettled(e) ?? '–';
}

function row(e: Execution, selected?: Set<string>, where: (e: Execution) => string = whereText): HTMLElement {
  const pick = h('input', { type: 'checkbox', 'aria-label': `select ${e.id}`, 'data-testid': 'select' });
  pick.checked = selected?.has(e.id) === true;
  pick.addEventListener('change', () => (pick.checked ? selected?.add(e.id) : selected?.delete(e.id)));
  return h(
    'tr',
    { 'data-id': e.id },
    selected === undefined ? null : h('td', {}, pick),
    h('td', {}, h('a', { href: `#/execution/${encodeURIComponent(e.id)}` }, e.id)),
    h('td', {}, e.saga),
    h('td', {}, h('span', { class: `badge status-${e.status}` }, e.status)),
    h('td', { class: 'where' }, where(e)),
    h(
      'td',
      { class: 'when' },
      new Date(e.updatedAt).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }),
    ),
  );
}

const table = (body: HTMLElement, testId: string, selectable = false) =>
  h(
    'table',
    { class: 'executions', 'data-testid': testId },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[...(selectable ? [''] : []), 'id', 'saga', 'status', 'where / waits for', 'updated'].map((c) =>
          h('th', {}, c),
        ),
      ),
    ),
    body,
  );

/**
 * Sagas and executions, newest first, paged from the store with its cursor;
 * counts from the store (the numbers /metrics gives); the Failed executions
 * that wait for a person in a section of their own. Live over SSE.
 */
export async function executionsView(root: HTMLElement, params: URLSearchParams): Promise<() => void> {
  const sagas = (await api<{ items: SagaSummary[] }>('GET', '/api/sagas')).items;
  const filter = {
    saga: params.get('saga') ?? '',
    status: params.get('status') ?? '',
    within: Number(params.get('within') ?? 0),
    id: params.get('id') ?? '',
    input: params.get('input') ?? '',
  };
  /** A timer overdue by more than this means no engine is moving the execution. */
  const stuckAfterMs = Number(params.get('stuck') ?? STUCK_AFTER_S) * 1000;
  const setFilter = (key: keyof typeof filter, value: string) => {
    const next = new URLSearchParams({
      ...Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, String(v)])),
      [key]: value,
    });
    for (const [k, v] of [...next]) if (v === '' || v === '0') next.delete(k);
    location.hash = `#/?${next.toString()}`;
  };
  /** Cursors of the pages before this one, to go back; '' is the first page. */
  const pager = cursorPager(PAGE_SIZE, () => void refresh());
  const counts = h('div', { class: 'counts', 'data-testid': 'counts' });
  const attention = h('tbody');
  const selected = new Set<string>();
  const bulkMessage = h('span', { class: 'muted', role: 'status', 'data-testid': 'bulk-message' });
  const retrySelected = h('button', { type: 'button', 'data-testid': 'retry-selected' }, 'Retry selected');
  retrySelected.addEventListener('click', () => {
    const ids = [...selected];
    if (ids.length === 0) {
      bulkMessage.textContent = 'Select the executions to retry first.';
      return;
    }
    bulkMessage.textContent = `Retrying ${ids.length}…`;
    void Promise.allSettled(ids.map((id) => api('POST', `/api/executions/${encodeURIComponent(id)}/retry`, {}))).then(
      (results) => {
        const refused = results
          .map((r, i) => (r.status === 'rejected' ? `${ids[i]}: ${(r.reason as Error).message}` : ''))
          .filter((x) => x !== '');
        selected.clear();
        bulkMessage.textContent = `Retried ${ids.length - refused.length} of ${ids.length}.${refused.length === 0 ? '' : ` Refused: ${refused.join('; ')}`}`;
        void refresh();
      },
    );
  });
  const stuck = h('tbody');
  const failedBox = attentionPart(
    'attention-failed',
    'Failed: a person must act',
    'A step after the pivot or a compensation gave up. Fix the cause, then retry (each resumes where it stopped).',
    table(attention, 'attention-table', true),
    h('div', { class: 'pager' }, retrySelected, bulkMessage),
    h('p', { 'data-testid': 'attention-more' }),
  );
  const stuckBox = attentionPart(
    'attention-stuck',
    'Stuck past their timeouts',
    `Running or compensating, with a timer (step timeout, retry, event timeout, deadline) overdue by more than ${formatSpan(stuckAfterMs)}: no engine is moving them. Is an engine running with this saga's current version? (serve prints "not resumed" for the ones it refused.)`,
    table(stuck, 'stuck-table'),
  );
  // Shown when any of its parts has rows (the choreographies' part refreshes on its own).
  const showAttention = () => {
    attentionBox.hidden =
      (failedBox.hidden && stuckBox.hidden && choreographies.attention.hidden) || filter.status !== '';
  };
  const choreographies = choreographiesSection(showAttention, filter.saga === '');
  const attentionBox = h(
    'section',
    { class: 'attention', 'data-testid': 'attention' },
    h('h3', {}, 'Needs attention'),
    failedBox,
    stuckBox,
    choreographies.attention,
  );
  const tbody = h('tbody');
  const query = (extra: Record<string, string>) => {
    const q = new URLSearchParams(extra);
    if (filter.saga !== '') q.set('saga', filter.saga);
    if (filter.within > 0) q.set('createdAfter', String(Date.now() - filter.within));
    if (filter.id !== '') q.set('idPrefix', filter.id);
    const split = filter.input.indexOf('=');
    if (split > 0) {
      q.set('inputField', filter.input.slice(0, split).trim());
      q.set('inputValue', filter.input.slice(split + 1).trim());
    }
    return q;
  };
  const refresh = async () => {
    const listQuery = query({ limit: String(PAGE_SIZE) });
    if (filter.status !== '') listQuery.set('status', filter.status);
    if (pager.cursor() !== '') listQuery.set('cursor', pager.cursor());
    const overdue = query({ overdueBefore: String(Date.now() - stuckAfterMs), limit: '20' });
    const [page, failed, late, all] = await Promise.all([
      api<{ items: Execution[]; nextCursor: string | null }>('GET', `/api/executions?${listQuery.toString()}`),
      api<{ items: Execution[] }>('GET', `/api/executions?${query({ status: 'Failed', limit: '20' }).toString()}`),
      api<{ items: Execution[] }>('GET', `/api/executions?${overdue.toString()}`),
      api<{ items: StatusCount[] }>('GET', '/api/counts'),
    ]);
    const byStatus = new Map<string, number>();
    for (const c of all.items) {
      if (filter.saga !== '' && c.saga !== filter.saga) continue;
      byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + c.count);
    }
    const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
    counts.replaceChildren(
      ...STATUSES.map((s) =>
        h(
          'a',
          {
            class: `count status-${s}${filter.status === s ? ' on' : ''}`,
            href: `#/?${new URLSearchParams({ ...(filter.saga === '' ? {} : { saga: filter.saga }), status: s }).toString()}`,
            'data-status': s,
          },
          `${s} `,
          h('b', {}, String(byStatus.get(s) ?? 0)),
        ),
      ),
      h(
        'span',
        { class: 'muted' },
        `${total} in all${filter.within > 0 || filter.id !== '' || filter.input !== '' ? ' (the counts ignore the time, id and input filters)' : ''}`,
      ),
    );
    failedBox.hidden = failed.items.length === 0;
    stuckBox.hidden = late.items.length === 0;
    showAttention();
    attention.replaceChildren(...failed.items.map((e) => row(e, selected)));
    stuck.replaceChildren(...late.items.map((e) => row(e, undefined, stuckText)));
    const failedCount = byStatus.get('Failed') ?? 0;
    const more = attentionBox.querySelector<HTMLElement>('[data-testid=attention-more]');
    more?.replaceChildren(
      failedCount > failed.items.length
        ? h(
            'a',
            {
              href: `#/?${new URLSearchParams({ ...(filter.saga === '' ? {} : { saga: filter.saga }), status: 'Failed' }).toString()}`,
            },
            `All ${failedCount} Failed executions →`,
          )
        : '',
    );
    tbody.replaceChildren(...page.items.map((e) => row(e)));
    pager.shown(page.items.length, page.nextCursor);
  };
  root.replaceChildren(
    h('h2', {}, 'Sagas'),
    h(
      'ul',
      { class: 'sagas' },
      ...sagas.map((s) =>
        h(
          'li',
          {},
          h('a', { href: `#/saga/${encodeURIComponent(s.name)}` }, s.name),
          ` v${s.version} · ${s.steps.length} steps`,
          s.pivot === null ? '' : ` · pivot ${s.pivot}`,
        ),
      ),
    ),
    attentionBox,
    h('h2', {}, 'Executions'),
    h(
      'div',
      { class: 'filters' },
      select('saga', [['all sagas', ''], ...sagas.map((s): [string, string] => [s.name, s.name])], filter.saga, (v) =>
        setFilter('saga', v),
      ),
      select('status', [['any status', ''], ...STATUSES.map((s): [string, string] => [s, s])], filter.status, (v) =>
        setFilter('status', v),
      ),
      select(
        'within',
        WINDOWS.map(([l, ms]): [string, string] => [l, String(ms)]),
        String(filter.within),
        (v) => setFilter('within', v),
      ),
      textFilter('id', 'id starts with…', filter.id, (v) => setFilter('id', v)),
      textFilter('input', 'input field=value, e.g. customerId=c1', filter.input, (v) => setFilter('input', v)),
    ),
    counts,
    table(tbody, 'executions'),
    pager.element,
    choreographies.element,
  );
  await Promise.all([refresh(), choreographies.refresh()]);
  // Bursts of transitions cost one refresh after the one on its way; only the first page follows live.
  // A pause after each refresh keeps a busy server at a few list reads a second.
  const follow = latestFetcher(
    async () => {
      await refresh();
      await new Promise((resolve) => setTimeout(resolve, 250));
    },
    () => undefined,
  );
  const stopStream = stream('/api/stream', 'journal', () => {
    if (pager.cursor() === '') follow();
  });
  return () => {
    stopStream();
    choreographies.stop();
  };
}
