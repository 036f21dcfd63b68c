import { api, type SagaSummary } from '../api.js';
import { chartModel, type StateJson } from '../chartModel.js';
import { h } from '../dom.js';
import { renderChart, type RenderedChart } from '../renderChart.js';

/** Fetches a saga's summary and chart and draws it; the execution view reuses it. */
export async function drawSaga(name: string): Promise<{ saga: SagaSummary; chart: RenderedChart; machineId: string }> {
  const [saga, machine] = await Promise.all([
    api<SagaSummary>('GET', `/api/sagas/${encodeURIComponent(name)}`),
    api<StateJson>('GET', `/api/sagas/${encodeURIComponent(name)}/chart`),
  ]);
  const { nodes, edges } = chartModel(machine);
  const pivotId = saga.pivot === null ? undefined : `${machine.id}.Running.${saga.pivot}`;
  const chart = await renderChart(nodes, edges, { pivotId });
  return { saga, chart, machineId: machine.id };
}

export async function sagaView(root: HTMLElement, name: string): Promise<void> {
  const { saga, chart } = await drawSaga(name);
  const steps = saga.steps.map((s) =>
    h(
      'li',
      {},
      h('code', {}, s.name),
      ` ${s.kind}`,
      s.pivot === true ? ' · pivot' : '',
      s.compensable === true ? ' · compensable' : '',
      s.event === undefined ? '' : ` · waits for ${s.event}`,
      s.timeoutMs === undefined ? '' : ` · timeout ${s.timeoutMs} ms`,
      s.branches === undefined ? '' : ` · ${s.branches.map((b) => b.name).join(' ∥ ')}`,
    ),
  );
  root.replaceChildren(
    h('h2', {}, `${saga.name} `, h('small', {}, `v${saga.version}`)),
    saga.description === null ? '' : h('p', { class: 'muted' }, saga.description),
    h('ol', { class: 'steps' }, ...steps),
    h('div', { class: 'chart-box', 'data-testid': 'chart' }, chart.element),
    h('p', {}, h('a', { href: `#/?saga=${encodeURIComponent(saga.name)}` }, `Executions of ${saga.name} →`)),
  );
}
