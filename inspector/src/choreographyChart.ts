import { api, type ChoreographyInstanceDetail, type ChoreographySummary } from './api.js';
import { activeStateIds, chartModel, type StateJson } from './chartModel.js';
import { panZoom } from './panZoom.js';
import { paintStatechart } from './paintStatechart.js';
import { renderChart } from './renderChart.js';

export interface ChoreographyChart {
  readonly element: HTMLElement;
  /** Lights up an instance: its current state, the stages done, failed and undone, where flags were raised. */
  paint(instance: ChoreographyInstanceDetail): void;
  fit(): void;
}

/**
 * A choreography's compiled statechart (a state per stage, Compensating, the
 * ends), laid out and drawn like a saga's full statechart, with zoom and pan.
 */
export async function choreographyChart(
  choreography: ChoreographySummary,
  maxHeight: number,
): Promise<ChoreographyChart> {
  const machine = await api<StateJson>('GET', `/api/choreographies/${encodeURIComponent(choreography.name)}/chart`);
  const { nodes, edges } = chartModel(machine);
  const chart = await renderChart(nodes, edges);
  const width = Number(chart.element.getAttribute('width'));
  const height = Number(chart.element.getAttribute('height'));
  chart.element.removeAttribute('width');
  const zoom = panZoom(chart.element, width, height, { maxHeight, testId: 'choreography-chart' });
  const stage = (event: string) => chart.states.get(`${machine.id}.awaiting ${event}`);
  const stateId = (value: unknown) => (typeof value === 'string' ? `${machine.id}.${value}` : '');
  return {
    element: zoom.element,
    fit: () => zoom.fit(),
    paint(instance) {
      // A choreography has no journal of steps: the active state comes from the instance, the rest below.
      paintStatechart(chart, activeStateIds(machine.id, instance.state), []);
      for (const group of chart.states.values()) group.classList.remove('flagged');
      const seen = new Set(instance.events.map((e) => e.type));
      for (const s of choreography.flow) {
        if (instance.completed.includes(s.event)) stage(s.event)?.classList.add('done');
        if (s.failure !== undefined && seen.has(s.failure)) stage(s.event)?.classList.add('failed');
        if (s.compensatedBy !== undefined && seen.has(s.compensatedBy)) {
          stage(s.event)?.classList.remove('done');
          stage(s.event)?.classList.add('compensated');
        }
      }
      // Where each flag that still holds was raised: the state the instance was in.
      const raised: { kind: string; state: unknown }[] = [];
      for (const e of instance.events) {
        for (const kind of e.cleared) raised.splice(0, raised.length, ...raised.filter((r) => r.kind !== kind));
        if (e.flag !== null) raised.push({ kind: e.flag, state: e.state });
      }
      for (const r of raised) chart.states.get(stateId(r.state))?.classList.add('flagged');
      if (instance.flags.length > 0 && raised.length === 0) {
        chart.states.get(stateId(instance.state))?.classList.add('flagged');
      }
    },
  };
}
