import { api, type ChoreographyInstance, type ChoreographySummary } from '../api.js';
import { choreographyChart } from '../choreographyChart.js';
import { cursorPager } from '../cursorPager.js';
import { h } from '../dom.js';
import { instanceRow, instanceTable } from './choreographyRows.js';

const STATUSES = ['Running', 'Compensating', 'Completed', 'Compensated'] as const;
const PAGE_SIZE = 50;
const POLL_MS = 2_000;

/** The stages in order, each with its failure and undo events. */
function flowList(c: ChoreographySummary): HTMLElement {
  return h(
    'ol',
    { class: 'steps' },
    ...c.flow.map((s) =>
      h(
        'li',
        {},
        h('code', {}, s.event),
        s.failure === undefined ? '' : h('span', { class: 'chip' }, `fails: ${s.failure}`),
        s.compensatedBy === undefined ? '' : h('span', { class: 'chip' }, `undone by: ${s.compensatedBy}`),
      ),
    ),
  );
}

/**
 * One choreography: its statechart, its stages, counts, and its instances
 * (filtered by status, flagged, id prefix; paged; flagged ones highlighted). Polled.
 */
export async function choreographyView(root: HTMLElement, name: string, params: URLSearchParams): Promise<() => void> {
  const base = `/api/choreographies/${encodeURIComponent(name)}`;
  let summary = await api<ChoreographySummary>('GET', base);
  const chart = await choreographyChart(summary, 300);
  const filter = {
    status: params.get('status') ?? '',
    flagged: params.get('flagged') === '1',
    id: params.get('id') ?? '',
  };
  const setFilter = (next: Partial<typeof filter>) => {
    const merged = { ...filter, ...next };
    const q = new URLSearchParams();
    if (merged.status !== '') q.set('status', merged.status);
    if (merged.flagged) q.set('flagged', '1');
    if (merged.id !== '') q.set('id', merged.id);
    location.hash = `#/choreography/${encodeURIComponent(name)}${q.size === 0 ? '' : `?${q.toString()}`}`;
  };
  const pager = cursorPager(PAGE_SIZE, () => void refresh());
  const counts = h('div', { class: 'counts', 'data-testid': 'counts' });
  const note = h('p', { class: 'muted', 'data-testid': 'followed' });
  const tbody = h('tbody');
  const empty = h('p', { class: 'muted', 'data-testid': 'no-instances' });

  const statusSelect = h('select', { name: 'status', 'aria-label': 'status' });
  for (const [label, value] of [['any status', ''], ...STATUSES.map((s) => [s, s])] as [string, string][]) {
    const option = h('option', { value }, label);
    option.selected = value === filter.status;
    statusSelect.append(option);
  }
  statusSelect.addEventListener('change', () => setFilter({ status: statusSelect.value }));
  const flaggedBox = h('input', { type: 'checkbox', name: 'flagged', 'data-testid': 'filter-flagged' });
  flaggedBox.checked = filter.flagged;
  flaggedBox.addEventListener('change', () => setFilter({ flagged: flaggedBox.checked }));
  const idInput = h('input', {
    name: 'id',
    placeholder: 'correlation id starts with…',
    'aria-label': 'correlation id starts with',
    'data-testid': 'filter-id',
  });
  idInput.value = filter.id;
  idInput.addEventListener('change', () => setFilter({ id: idInput.value.trim() }));

  const refresh = async () => {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (filter.status !== '') q.set('status', filter.status);
    if (filter.flagged) q.set('flagged', 'true');
    if (filter.id !== '') q.set('idPrefix', filter.id);
    if (pager.cursor() !== '') q.set('cursor', pager.cursor());
    const [fresh, page] = await Promise.all([
      api<ChoreographySummary>('GET', base),
      api<{ items: ChoreographyInstance[]; nextCursor: string | null }>('GET', `${base}/instances?${q.toString()}`),
    ]);
    summary = fresh;
    note.textContent = `${summary.following ? 'Followed' : 'Not followed'} ${summary.note.replace(/^not followed: /, '— ')} · flagged after ${summary.timeoutMs / 1000} s without a next event`;
    counts.replaceChildren(
      ...STATUSES.map((s) =>
        h(
          'a',
          {
            class: `count status-${s}${filter.status === s ? ' on' : ''}`,
            href: `#/choreography/${encodeURIComponent(name)}?status=${s}`,
            'data-status': s,
          },
          `${s} `,
          h('b', {}, String(summary.counts.byStatus[s])),
        ),
      ),
      h(
        'a',
        {
          class: `count flagged-count${filter.flagged ? ' on' : ''}`,
          href: `#/choreography/${encodeURIComponent(name)}?flagged=1`,
          'data-testid': 'flagged-count',
        },
        '⚑ flagged ',
        h('b', {}, String(summary.counts.flagged)),
      ),
      h('span', { class: 'muted' }, `${summary.counts.total} in all`),
    );
    tbody.replaceChildren(...page.items.map((i) => instanceRow(i)));
    empty.textContent = page.items.length === 0 ? 'No instance matches.' : '';
    pager.shown(page.items.length, page.nextCursor);
  };

  root.replaceChildren(
    h(
      'div',
      { class: 'title-row' },
      h('h2', {}, `${summary.name} `, h('small', {}, 'choreography')),
      summary.description === null ? '' : h('span', { class: 'muted' }, summary.description),
      h('a', { href: '#/', class: 'push' }, '← executions'),
    ),
    note,
    h('section', { class: 'chart-panel', 'data-testid': 'chart' }, chart.element),
    h('h3', {}, 'Stages'),
    flowList(summary),
    h('h3', {}, 'Instances'),
    h('div', { class: 'filters' }, statusSelect, h('label', {}, flaggedBox, ' flagged only'), idInput),
    counts,
    instanceTable(tbody, 'instances'),
    empty,
    pager.element,
  );
  chart.fit();
  await refresh();
  // Only the first page follows live: a later page stays as it was read.
  const timer = setInterval(() => {
    if (pager.cursor() === '') void refresh().catch(() => undefined);
  }, POLL_MS);
  return () => clearInterval(timer);
}
