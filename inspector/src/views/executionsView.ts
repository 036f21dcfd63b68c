import { api, stream, type Execution, type SagaSummary } from '../api.js';
import { h } from '../dom.js';

const STATUSES = ['Running', 'Compensating', 'Completed', 'Compensated', 'Failed'] as const;
const WINDOWS: [string, number][] = [
  ['any time', 0],
  ['last 5 minutes', 5 * 60_000],
  ['last hour', 3_600_000],
  ['last day', 86_400_000],
];

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

/** Sagas and executions, newest first, with counts and filters, live over SSE. */
export async function executionsView(root: HTMLElement, params: URLSearchParams): Promise<() => void> {
  const sagas = (await api<{ items: SagaSummary[] }>('GET', '/api/sagas')).items;
  const filter = {
    saga: params.get('saga') ?? '',
    status: params.get('status') ?? '',
    within: Number(params.get('within') ?? 0),
  };
  const setFilter = (key: keyof typeof filter, value: string) => {
    const next = new URLSearchParams({
      ...Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, String(v)])),
      [key]: value,
    });
    for (const [k, v] of [...next]) if (v === '' || v === '0') next.delete(k);
    location.hash = `#/?${next.toString()}`;
  };
  const counts = h('div', { class: 'counts', 'data-testid': 'counts' });
  const tbody = h('tbody');
  const refresh = async () => {
    const query = new URLSearchParams({ limit: '100' });
    if (filter.saga !== '') query.set('saga', filter.saga);
    if (filter.status !== '') query.set('status', filter.status);
    if (filter.within > 0) query.set('createdAfter', String(Date.now() - filter.within));
    const { items } = await api<{ items: Execution[] }>('GET', `/api/executions?${query.toString()}`);
    const byStatus = new Map<string, number>();
    for (const e of items) byStatus.set(e.status, (byStatus.get(e.status) ?? 0) + 1);
    counts.replaceChildren(
      ...STATUSES.map((s) =>
        h('span', { class: `count status-${s}` }, `${s} `, h('b', {}, String(byStatus.get(s) ?? 0))),
      ),
    );
    tbody.replaceChildren(
      ...items.map((e) =>
        h(
          'tr',
          { 'data-id': e.id },
          h('td', {}, h('a', { href: `#/execution/${encodeURIComponent(e.id)}` }, e.id)),
          h('td', {}, e.saga),
          h('td', {}, h('span', { class: `badge status-${e.status}` }, e.status)),
          h('td', {}, e.status === 'Failed' ? `stopped at ${e.failure?.step ?? '?'}` : (e.completed.at(-1) ?? '–')),
          h('td', {}, new Date(e.updatedAt).toLocaleTimeString()),
        ),
      ),
    );
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
    ),
    counts,
    h(
      'table',
      { class: 'executions' },
      h('thead', {}, h('tr', {}, ...['id', 'saga', 'status', 'last step', 'updated'].map((c) => h('th', {}, c)))),
      tbody,
    ),
  );
  await refresh();
  // Coalesce bursts of transitions into one refresh per animation frame.
  let pending = false;
  return stream('/api/stream', 'journal', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      void refresh();
    });
  });
}
