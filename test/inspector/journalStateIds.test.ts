import { describe, expect, it } from 'vitest';
import { compile, type AnySagaDefinition, type SagaEngine } from '../../src/index.js';
import { activeStateIds } from '../../inspector/src/chartModel.js';
import { journalStateIds, type ChartStates } from '../../inspector/src/journalStateIds.js';
import { createShop, orderFulfillmentSaga } from '../../machines/order-fulfillment.js';
import { createBank, loanApprovalSaga } from '../../machines/loan-approval.js';
import { healFaults } from '../../machines/participants/faults.js';
import { createSaas, subscriptionSignupSaga } from '../../machines/subscription-signup.js';
import { settle, startEngine, ticks, useFakeClock } from '../fixtures/engine.js';

interface StateNode {
  id: string;
  type: string;
  states?: Record<string, StateNode>;
}

/** The states of a compiled saga as the drawn chart holds them: by id, parallel ones marked. */
function chartOf(saga: AnySagaDefinition): ChartStates & { machineId: string } {
  const root = compile(saga).toJSON() as unknown as StateNode;
  const states = new Map<string, { classList: { contains(name: string): boolean } }>();
  const walk = (node: StateNode) => {
    states.set(node.id, { classList: { contains: (name) => name === 'state-parallel' && node.type === 'parallel' } });
    Object.values(node.states ?? {}).forEach(walk);
  };
  Object.values(root.states ?? {}).forEach(walk);
  return { states, machineId: root.id };
}

/** The leaves of a set of active state ids: the states the chart highlights as where it is. */
const leaves = (ids: readonly string[]) => ids.filter((id) => !ids.some((other) => other.startsWith(`${id}.`))).sort();

/**
 * Runs `start` and checks, after every transition that wrote journal entries,
 * that the journal up to its last entry yields the state the engine was in.
 */
async function expectJournalStates(
  engine: SagaEngine,
  saga: AnySagaDefinition,
  start: () => Promise<string>,
  drive: (id: string) => Promise<void> = async (id) => void (await settle(engine, id)),
): Promise<number> {
  const chart = chartOf(saga);
  const seen: { seq: number; state: unknown }[] = [];
  const off = engine.subscribe((event) => {
    const last = event.entries.at(-1);
    if (last !== undefined) seen.push({ seq: last.seq, state: event.state });
  });
  const id = await start();
  await drive(id);
  off();
  const journal = await engine.journal(id);
  for (const { seq, state } of seen) {
    const prefix = journal.filter((e) => e.seq <= seq);
    const expected = leaves(activeStateIds(chart.machineId, state)).filter((s) => !s.endsWith('.check'));
    expect(leaves(journalStateIds(chart, chart.machineId, prefix)), `after #${seq} ${prefix.at(-1)?.type}`).toEqual(
      expected,
    );
  }
  return seen.length;
}

describe('time travel on the statechart: the state after any journal entry', () => {
  const order = { orderId: 'A1', customerId: 'c1', items: [{ sku: 'SKU-1', qty: 2 }], amount: 40 };

  it('should follow steps, retries in backoff and the compensations in reverse', async () => {
    useFakeClock();
    const saga = orderFulfillmentSaga(createShop());
    const engine = await startEngine([saga]);
    const input = { ...order, failAt: 'createShipment,refundPayment', failTimes: 2 };
    const transitions = await expectJournalStates(engine, saga, async () => (await engine.execute(saga, input)).id);
    expect(transitions).toBeGreaterThan(10);
  });

  it('should follow the branches of a parallel group and its compensation', async () => {
    useFakeClock();
    const saga = subscriptionSignupSaga(createSaas());
    const engine = await startEngine([saga]);
    const input = { accountId: 'a1', email: 'a@example.com', plan: 'team' as const, failAt: 'sendWelcomeKit' };
    await expectJournalStates(engine, saga, async () => (await engine.execute(saga, input)).id);
    await expectJournalStates(engine, saga, async () => (await engine.execute(saga, { ...input, failAt: '' })).id);
  });

  it('should follow an awaited event, Failed after the pivot, and a manual retry to Completed', async () => {
    useFakeClock();
    const saga = loanApprovalSaga(createBank());
    const engine = await startEngine([saga]);
    const input = { applicationId: 'L1', applicant: 'Ada', amount: 500, failAt: 'notifyApplicant' };
    await expectJournalStates(
      engine,
      saga,
      async () => (await engine.execute(saga, input)).id,
      async (id) => {
        await ticks(10);
        await engine.send(id, { type: 'underwriter.decided', data: { approved: true, underwriter: 'grace' } });
        expect((await settle(engine, id)).status).toBe('Failed');
        healFaults(id);
        await engine.retry(id);
        expect((await settle(engine, id)).status).toBe('Completed');
      },
    );
  });
});
