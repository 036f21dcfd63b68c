import { api, type Execution, type JournalEntry, type SagaSummary, type StepSummary } from '../api.js';
import { formatDuration } from '../../../src/events/journalTimeline.js';
import { h } from '../dom.js';
import { paintSaga } from '../paintSaga.js';
import { panZoom } from '../panZoom.js';
import { sagaDiagram } from '../sagaDiagram.js';

interface StepOutcome {
  outcome: string;
  attempts: number;
  /** Time from the first start to the last end, ms. */
  took: number | undefined;
  error: string;
}

/** Each step's (and compensation's) outcome in one journal, by `run:<step>` / `undo:<step>`. */
function outcomes(entries: readonly JournalEntry[]): Map<string, StepOutcome> {
  const out = new Map<string, StepOutcome>();
  const first = new Map<string, number>();
  for (const e of entries) {
    if (e.step === undefined) continue;
    const undo = e.type.startsWith('Compensation') || e.type === 'StepCompensated';
    const key = `${undo ? 'undo' : 'run'}:${e.step}`;
    const o = out.get(key) ?? { outcome: 'started', attempts: 0, took: undefined, error: '' };
    const data = e.data as { name?: string; message?: string } | undefined;
    switch (e.type) {
      case 'StepStarted':
      case 'CompensationStarted':
        if (!first.has(key)) first.set(key, e.at);
        o.attempts = Math.max(o.attempts, e.attempt ?? 1);
        o.outcome = 'running';
        break;
      case 'StepCompleted':
      case 'EventReceived':
      case 'StepCompensated':
        o.outcome = e.type === 'StepCompensated' ? 'compensated' : 'done';
        o.took = e.at - (first.get(key) ?? e.at);
        break;
      case 'StepFailed':
      case 'CompensationFailed':
        o.outcome = 'failed';
        o.error = `${data?.name ?? 'Error'}: ${data?.message ?? ''}`;
        o.took = e.at - (first.get(key) ?? e.at);
        break;
      case 'StepRetryScheduled':
        o.outcome = 'retrying';
        break;
    }
    out.set(key, o);
  }
  return out;
}

const flat = (steps: readonly StepSummary[]): string[] =>
  steps.flatMap((s) => (s.kind === 'parallel' ? flat(s.branches ?? []) : [s.name]));

/**
 * Two executions of one saga side by side: each path painted on the saga
 * view, and the journals aligned by step (outcome, attempts, time, error),
 * the rows where they differ marked.
 */
export async function compareView(root: HTMLElement, a: string, b: string): Promise<void> {
  const [ea, eb] = await Promise.all(
    [a, b].map((id) => api<Execution>('GET', `/api/executions/${encodeURIComponent(id)}`)),
  );
  if (ea === undefined || eb === undefined) return;
  if (ea.saga !== eb.saga) {
    root.replaceChildren(
      h(
        'div',
        { class: 'banner failed' },
        `${a} runs ${ea.saga} and ${b} runs ${eb.saga}: compare two executions of one saga.`,
      ),
    );
    return;
  }
  const saga = await api<SagaSummary>('GET', `/api/sagas/${encodeURIComponent(ea.saga)}`);
  const journals = await Promise.all(
    [a, b].map(
      async (id) =>
        (await api<{ items: JournalEntry[] }>('GET', `/api/executions/${encodeURIComponent(id)}/journal`)).items,
    ),
  );
  const [ja = [], jb = []] = journals;
  const lane = (execution: Execution, entries: JournalEntry[], label: string) => {
    const diagram = sagaDiagram(saga);
    paintSaga(diagram, saga, entries);
    const zoom = panZoom(diagram.element, diagram.width, diagram.height, {
      maxHeight: 210,
      testId: `compare-${label}`,
    });
    return {
      zoom,
      element: h(
        'section',
        { class: 'chart-panel compare-lane' },
        h(
          'p',
          { class: 'compare-title' },
          h('b', {}, `${label} `),
          h('a', { href: `#/execution/${encodeURIComponent(execution.id)}` }, execution.id),
          ' ',
          h('span', { class: `badge status-${execution.status}` }, execution.status),
        ),
        zoom.element,
      ),
    };
  };
  const left = lane(ea, ja, 'A');
  const right = lane(eb, jb, 'B');
  const oa = outcomes(ja);
  const ob = outcomes(jb);
  const keys = [
    ...flat(saga.steps).map((s) => `run:${s}`),
    ...flat(saga.steps)
      .reverse()
      .map((s) => `undo:${s}`),
  ];
  const cell = (o: StepOutcome | undefined) => [
    h('td', { class: `outcome-${o?.outcome ?? 'none'}` }, o?.outcome ?? '–'),
    h('td', {}, o === undefined ? '' : String(o.attempts)),
    h('td', {}, o?.took === undefined ? '' : formatDuration(o.took)),
    h('td', { class: 'detail' }, o?.error ?? ''),
  ];
  const rows = keys
    .filter((k) => oa.has(k) || ob.has(k))
    .map((k) => {
      const [x, y] = [oa.get(k), ob.get(k)];
      const differs = x?.outcome !== y?.outcome || x?.attempts !== y?.attempts;
      const [kind, step] = k.split(':');
      return h(
        'tr',
        { class: differs ? 'differs' : '', 'data-key': k },
        h('td', {}, kind === 'undo' ? `↶ ${step ?? ''}` : (step ?? '')),
        ...cell(x),
        ...cell(y),
      );
    });
  root.replaceChildren(
    h('div', { class: 'title-row' }, h('h2', {}, `Compare two executions of ${saga.name}`)),
    left.element,
    right.element,
    h(
      'table',
      { class: 'timeline compare', 'data-testid': 'compare-table' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, ''), h('th', { colspan: '4' }, `A ${a}`), h('th', { colspan: '4' }, `B ${b}`)),
        h(
          'tr',
          {},
          ...['step', 'outcome', 'attempts', 'took', 'error', 'outcome', 'attempts', 'took', 'error'].map((c) =>
            h('th', {}, c),
          ),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
  left.zoom.fit();
  right.zoom.fit();
}
