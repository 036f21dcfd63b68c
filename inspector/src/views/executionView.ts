import { api, stream, type Execution, type JournalEntry } from '../api.js';
import { activeStateIds } from '../chartModel.js';
import { entryDetail, formatDuration, stepTimer } from '../../../src/events/journalTimeline.js';
import { h, json } from '../dom.js';
import type { RenderedChart } from '../renderChart.js';
import { drawSaga } from './sagaView.js';

interface StreamedEntry {
  status: Execution['status'];
  state: unknown;
  entry: JournalEntry;
}

const STEP_CLASSES: Record<string, string> = {
  StepCompleted: 'done',
  EventReceived: 'done',
  StepFailed: 'failed',
  StepCompensated: 'compensated',
  CompensationFailed: 'failed',
};

/** Each step's state id under Running and under Compensating (parallel branches included). */
function stepStates(chart: RenderedChart): { running: Map<string, string>; compensating: Map<string, string> } {
  const running = new Map<string, string>();
  const compensating = new Map<string, string>();
  for (const id of chart.states.keys()) {
    const [, phase, first, second] = id.split('.');
    const target = phase === 'Running' ? running : phase === 'Compensating' ? compensating : undefined;
    if (target === undefined || first === undefined) continue;
    if (id.split('.').length === 3) target.set(first, id);
    // A parallel group's branches sit one level deeper; only its regions are steps.
    else if (
      id.split('.').length === 4 &&
      second !== undefined &&
      chart.states.get(`${id.split('.').slice(0, 3).join('.')}`)?.classList.contains('state-parallel') === true
    ) {
      target.set(second, id);
    }
  }
  return { running, compensating };
}

/** Marks what the execution did on the chart: the current state, and each step's fate so far. */
function paint(chart: RenderedChart, machineId: string, state: unknown, entries: JournalEntry[]): void {
  for (const group of chart.states.values())
    group.classList.remove('active', 'current', 'done', 'failed', 'compensated');
  const active = activeStateIds(machineId, state);
  active.forEach((id) => chart.states.get(id)?.classList.add('active'));
  const deepest = [...active].reverse().find((id) => chart.states.has(id));
  if (deepest !== undefined) chart.states.get(deepest)?.classList.add('current');
  const { running, compensating } = stepStates(chart);
  for (const entry of entries) {
    const cls = STEP_CLASSES[entry.type];
    if (cls === undefined || entry.step === undefined) continue;
    const isCompensation = entry.type === 'StepCompensated' || entry.type === 'CompensationFailed';
    const id = (isCompensation ? compensating : running).get(entry.step);
    const group = id === undefined ? undefined : chart.states.get(id);
    group?.classList.remove('done', 'failed');
    group?.classList.add(cls);
    if (entry.type === 'StepCompensated') chart.states.get(running.get(entry.step) ?? '')?.classList.add('compensated');
  }
}

/** One execution: its chart lit up live, its journal as a timeline, and the operator's buttons. */
export async function executionView(root: HTMLElement, id: string): Promise<() => void> {
  let execution = await api<Execution>('GET', `/api/executions/${encodeURIComponent(id)}`);
  const { chart, machineId } = await drawSaga(execution.saga);
  const entries: JournalEntry[] = [];
  const timer = stepTimer();
  const status = h('span', { class: `badge status-${execution.status}`, 'data-testid': 'status' }, execution.status);
  const banner = h('div', { class: 'banner', 'data-testid': 'banner' });
  const actions = h('div', { class: 'actions' });
  const message = h('p', { class: 'message', 'data-testid': 'message', role: 'status' });
  const rows = h('tbody', { 'data-testid': 'timeline' });
  const inputBox = h('pre', { class: 'json' });
  const resultsBox = h('pre', { class: 'json', 'data-testid': 'results' });

  const act = async (label: string, call: () => Promise<unknown>) => {
    message.textContent = `${label}…`;
    try {
      await call();
      message.textContent = `${label}: done`;
    } catch (error) {
      message.textContent = `${label} refused: ${(error as Error).message}`;
    }
  };
  const eventType = h('input', {
    name: 'event-type',
    placeholder: 'event type, e.g. fraud.cleared',
    'aria-label': 'event type',
  });
  const eventData = h('textarea', {
    name: 'event-data',
    placeholder: '{ "data": "as JSON" }',
    rows: '2',
    'aria-label': 'event data',
  });
  const buttons = {
    cancel: h(
      'button',
      {
        'data-testid': 'cancel',
        onclick: () =>
          void act('Cancel', () =>
            api('POST', `/api/executions/${encodeURIComponent(id)}/cancel`, { reason: 'cancelled from the inspector' }),
          ),
      },
      'Cancel',
    ),
    retry: h(
      'button',
      {
        'data-testid': 'retry',
        onclick: () => void act('Retry', () => api('POST', `/api/executions/${encodeURIComponent(id)}/retry`, {})),
      },
      'Retry',
    ),
    send: h(
      'button',
      {
        'data-testid': 'send',
        onclick: () =>
          void act('Send', () => {
            const raw = eventData.value.trim();
            const data: unknown = raw === '' ? undefined : JSON.parse(raw);
            return api(
              'POST',
              `/api/executions/${encodeURIComponent(id)}/events`,
              data === undefined ? { type: eventType.value } : { type: eventType.value, data },
            );
          }),
      },
      'Send event',
    ),
  };

  const render = () => {
    status.textContent = execution.status;
    status.className = `badge status-${execution.status}`;
    buttons.cancel.disabled = execution.status !== 'Running';
    buttons.retry.disabled = execution.status !== 'Failed';
    buttons.send.disabled = execution.status !== 'Running';
    if (execution.status === 'Failed' && execution.failure !== null) {
      const f = execution.failure;
      banner.className = 'banner failed';
      banner.replaceChildren(
        h('strong', {}, 'A person must act. '),
        `${f.phase === 'Compensating' ? 'The compensation of' : 'The step'} "${f.step}" gave up after ${f.attempts} attempt(s): `,
        h('code', {}, `${f.errorName}: ${f.message}`),
        f.phase === 'Compensating'
          ? '. The rollback stopped there (earlier steps are still applied). Fix the cause, then press Retry to resume the rollback from that step.'
          : '. The saga is past its pivot, so nothing is undone. Fix the cause, then press Retry to continue forward from that step.',
      );
    } else if (execution.reason !== null && execution.status !== 'Completed') {
      banner.className = 'banner info';
      banner.replaceChildren(`Compensating because: ${execution.reason.message}`);
    } else banner.replaceChildren();
    inputBox.textContent = json(execution.input);
    resultsBox.textContent = json(execution.results);
  };

  const addRow = (entry: JournalEntry) => {
    const first = entries[0]?.at ?? entry.at;
    const duration = timer(entry);
    const took = duration === undefined ? '' : formatDuration(duration);
    rows.append(
      h(
        'tr',
        { class: `entry entry-${entry.type}`, 'data-type': entry.type },
        h('td', {}, String(entry.seq)),
        h('td', {}, `+${formatDuration(entry.at - first)}`),
        h('td', {}, entry.type),
        h('td', {}, entry.step ?? ''),
        h('td', {}, entry.attempt === undefined ? '' : String(entry.attempt)),
        h('td', {}, took),
        h('td', { class: 'detail' }, entryDetail(entry)),
      ),
    );
  };

  actions.append(buttons.cancel, buttons.retry, h('span', { class: 'send' }, eventType, eventData, buttons.send));
  root.replaceChildren(
    h('h2', {}, `Execution ${execution.id} `, status),
    h(
      'p',
      { class: 'muted' },
      'saga ',
      h('a', { href: `#/saga/${encodeURIComponent(execution.saga)}` }, execution.saga),
      ` v${execution.version}`,
    ),
    banner,
    actions,
    message,
    h('div', { class: 'chart-box', 'data-testid': 'chart' }, chart.element),
    h('h3', {}, 'Journal'),
    h(
      'table',
      { class: 'timeline' },
      h(
        'thead',
        {},
        h('tr', {}, ...['#', 'time', 'event', 'step', 'attempt', 'took', 'detail'].map((c) => h('th', {}, c))),
      ),
      rows,
    ),
    h(
      'div',
      { class: 'columns' },
      h('div', {}, h('h3', {}, 'Input'), inputBox),
      h('div', {}, h('h3', {}, 'Results'), resultsBox),
    ),
  );
  render();
  paint(chart, machineId, execution.state, entries);

  let refreshing = false;
  return stream(`/api/executions/${encodeURIComponent(id)}/stream`, 'journal', (data) => {
    const { entry, state, status: now } = data as StreamedEntry;
    if (entries.some((e) => e.seq === entry.seq)) return;
    addRow(entry);
    entries.push(entry);
    execution = { ...execution, status: now, state };
    paint(chart, machineId, state, entries);
    render();
    if (!refreshing) {
      refreshing = true;
      void api<Execution>('GET', `/api/executions/${encodeURIComponent(id)}`).then((fresh) => {
        refreshing = false;
        execution = { ...fresh, status: execution.status, state: execution.state };
        render();
      });
    }
  });
}
