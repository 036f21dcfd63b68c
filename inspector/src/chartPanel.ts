import { api, type SagaSummary } from './api.js';
import { chartModel, type StateJson } from './chartModel.js';
import { h } from './dom.js';
import { panZoom, type PanZoom } from './panZoom.js';
import { renderChart, type RenderedChart } from './renderChart.js';
import { sagaDiagram, type SagaDiagram } from './sagaDiagram.js';

export type ChartMode = 'saga' | 'statechart';

export interface ChartPanel {
  readonly element: HTMLElement;
  readonly diagram: SagaDiagram;
  /** The full statechart, drawn the first time it is shown. */
  statechart(): RenderedChart | undefined;
  readonly machineId: string;
  mode(): ChartMode;
  /** Called after the view switches (so the caller repaints what it shows). */
  onSwitch(listener: (mode: ChartMode) => void): void;
  /** Fits the shown drawing to its box (call once the panel is in the page). */
  fit(): void;
  /** In the statechart view, pans to a state that is out of view (the current one as it moves). */
  revealState(id: string): void;
}

/**
 * The saga view by default, the full XState statechart one toggle away, each
 * with zoom, pan and fit. `maxHeight` bounds the drawing's box.
 */
export async function chartPanel(saga: SagaSummary, maxHeight: number): Promise<ChartPanel> {
  const machine = await api<StateJson>('GET', `/api/sagas/${encodeURIComponent(saga.name)}/chart`);
  const diagram = sagaDiagram(saga);
  const sagaZoom = panZoom(diagram.element, diagram.width, diagram.height, { maxHeight, testId: 'saga-diagram' });
  let chart: RenderedChart | undefined;
  let chartZoom: PanZoom | undefined;
  let mode: ChartMode = 'saga';
  const listeners: ((mode: ChartMode) => void)[] = [];
  const body = h('div', { class: 'chart-body' }, sagaZoom.element);
  const tab = (value: ChartMode, label: string) =>
    h(
      'button',
      {
        type: 'button',
        class: value === mode ? 'tab on' : 'tab',
        'data-testid': `view-${value}`,
        'aria-pressed': String(value === mode),
        onclick: () => void show(value),
      },
      label,
    );
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'drawing' });
  const renderTabs = () => tabs.replaceChildren(tab('saga', 'Saga view'), tab('statechart', 'Statechart'));
  const show = async (next: ChartMode) => {
    mode = next;
    renderTabs();
    if (next === 'statechart' && chart === undefined) {
      const { nodes, edges } = chartModel(machine);
      const pivotId = saga.pivot === null ? undefined : `${machine.id}.Running.${saga.pivot}`;
      chart = await renderChart(nodes, edges, { pivotId });
      const width = Number(chart.element.getAttribute('width'));
      const height = Number(chart.element.getAttribute('height'));
      chart.element.removeAttribute('width');
      chartZoom = panZoom(chart.element, width, height, { maxHeight: Math.max(maxHeight, 520), testId: 'statechart' });
    }
    body.replaceChildren(next === 'saga' ? sagaZoom.element : chartZoom!.element);
    // The saga view fits the screen; the statechart opens at reading size, to pan along.
    if (next === 'saga') sagaZoom.fit();
    else chartZoom!.read();
    for (const listener of listeners) listener(next);
  };
  renderTabs();
  const element = h('section', { class: 'chart-panel', 'data-testid': 'chart' }, tabs, body);
  return {
    element,
    diagram,
    statechart: () => chart,
    machineId: machine.id,
    mode: () => mode,
    onSwitch: (listener) => listeners.push(listener),
    fit: () => (mode === 'saga' ? sagaZoom.fit() : chartZoom!.read()),
    revealState: (id) => {
      const rect = chart?.states.get(id)?.querySelector('rect');
      if (mode !== 'statechart' || chartZoom === undefined || rect === null || rect === undefined) return;
      const at = (name: string) => Number(rect.getAttribute(name) ?? 0);
      chartZoom.reveal({ x: at('x'), y: at('y'), width: at('width'), height: at('height') });
    },
  };
}
