import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, parallel, remote, step } from '../../src/index.js';
import { distributedOrder } from '../../scripts/demo-distributed/orderSaga.js';
import { examplesUnderTest } from '../fixtures/exampleSagas.js';
import { serve } from '../fixtures/http.js';

/** A state of `GET /api/sagas/:name/chart` (XState's JSON, eventless transitions included). */
interface ChartState {
  id: string;
  type: string;
  initial?: { target: string[] };
  states: Record<string, ChartState>;
  transitions: { source: string; target?: string[]; eventType: string }[];
  meta?: Record<string, unknown>;
}

const strip = (id: string) => id.replace(/^#/, '');

/** Every state of the chart, and the ids some edge (or an initial, or a parallel parent) leads into. */
function edgesOf(chart: ChartState) {
  const states: ChartState[] = [];
  const entered = new Set<string>();
  const into = new Map<string, string[]>();
  const visit = (state: ChartState) => {
    states.push(state);
    for (const target of state.initial?.target ?? []) entered.add(strip(target));
    for (const child of Object.values(state.states)) {
      // Every region of a parallel state is entered with it.
      if (state.type === 'parallel') entered.add(child.id);
      visit(child);
    }
    for (const t of state.transitions) {
      for (const target of t.target ?? []) {
        entered.add(strip(target));
        into.set(strip(target), [...(into.get(strip(target)) ?? []), strip(t.source)]);
      }
    }
  };
  visit(chart);
  return { states: states.slice(1), entered, into };
}

const sagas = [...examplesUnderTest().map((e) => e.saga), distributedOrder];

describe('GET /api/sagas/:name/chart', () => {
  it.each(sagas.map((s) => [s.name]))(
    'should lead an edge into every state of %s but the initial ones',
    async (name) => {
      const { call } = await serve(sagas);
      const chart = (await call('GET', `/api/sagas/${name}/chart`)).body as ChartState;
      const { states, entered } = edgesOf(chart);
      expect(states.filter((s) => !entered.has(s.id)).map((s) => s.id)).toEqual([]);
    },
  );

  it.each(sagas.map((s) => [s.name]))('should reach Failed from each compensation of %s', async (name) => {
    const { call } = await serve(sagas);
    const chart = (await call('GET', `/api/sagas/${name}/chart`)).body as ChartState;
    const sources = edgesOf(chart).into.get(`${name}.Failed`) ?? [];
    const compensations = Object.keys(chart.states['Compensating']!.states);
    expect(compensations.length).toBeGreaterThan(0);
    for (const compensation of compensations) {
      const prefix = `${name}.Compensating.${compensation}`;
      expect(
        sources.some((s) => s === prefix || s.startsWith(`${prefix}.`)),
        `${prefix} gives up into Failed`,
      ).toBe(true);
    }
  });
});

describe('remote steps in the API', () => {
  const mixed = defineSaga({
    name: 'mixed',
    version: 1,
    input: z.object({}),
    steps: [
      step('reserve', { run: remote('stock.reserve'), compensate: remote('stock.release'), timeoutMs: 5_000 }),
      step('charge', { run: () => 'ok', compensate: () => undefined }),
      parallel('notify', [
        step('email', { run: remote('mail.send'), compensate: () => undefined }),
        step('sms', { run: () => 'sent', compensate: remote('sms.retract') }),
      ]),
    ],
  });

  it('should say which steps run elsewhere and the subjects they are sent on', async () => {
    const { call } = await serve([mixed]);
    const { body } = await call('GET', '/api/sagas/mixed');
    expect(body.steps[0].remote).toEqual({ run: 'stock.reserve', compensate: 'stock.release' });
    expect(body.steps[1]).not.toHaveProperty('remote');
    expect(body.steps[2].branches.map((b: { remote?: unknown }) => b.remote)).toEqual([
      { run: 'mail.send' },
      { compensate: 'sms.retract' },
    ]);
    const list = await call('GET', '/api/sagas');
    expect(list.body.items[0].steps[0].remote).toEqual({ run: 'stock.reserve', compensate: 'stock.release' });
  });

  it("should put the subject in the meta of the remote steps' and compensations' states", async () => {
    const { call } = await serve([mixed]);
    const chart = (await call('GET', '/api/sagas/mixed/chart')).body as ChartState;
    const running = chart.states['Running']!.states;
    const compensating = chart.states['Compensating']!.states;
    expect(running['reserve']!.meta).toMatchObject({ kind: 'step', remote: 'stock.reserve' });
    expect(running['charge']!.meta).not.toHaveProperty('remote');
    expect(running['notify']!.states['email']!.meta).toMatchObject({ remote: 'mail.send' });
    expect(running['notify']!.states['sms']!.meta).not.toHaveProperty('remote');
    expect(compensating['reserve']!.meta).toMatchObject({ kind: 'compensation', remote: 'stock.release' });
    expect(compensating['charge']!.meta).not.toHaveProperty('remote');
    expect(compensating['notify']!.states['sms']!.meta).toMatchObject({ remote: 'sms.retract' });
    expect(compensating['notify']!.states['email']!.meta).not.toHaveProperty('remote');
  });
});
