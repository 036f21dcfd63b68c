import { describe, expect, it } from 'vitest';
import { createShop, orderFulfillmentSaga } from '../machines/order-fulfillment.js';
import { createBank, loanApprovalSaga } from '../machines/loan-approval.js';
import { createSaas, subscriptionSignupSaga } from '../machines/subscription-signup.js';
import { healFaults } from '../machines/participants/faults.js';
import { settle, startEngine, ticks, useFakeClock } from './fixtures/engine.js';

const order = { orderId: 'A1', customerId: 'c1', items: [{ sku: 'SKU-1', qty: 2 }], amount: 40 };

describe('example: order-fulfillment', () => {
  it('should apply every effect once when it completes', async () => {
    const shop = createShop();
    const saga = orderFulfillmentSaga(shop);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, order);
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Completed');
    expect(outcome.results.createShipment).toEqual({ trackingNo: 'TRK-A1' });
    expect(shop.stock['SKU-1']).toBe(98);
    expect(shop.payments.active()).toEqual([{ paymentId: 'pay-A1', amount: 40 }]);
  });

  it('should refund and release everything when shipping fails', async () => {
    const shop = createShop();
    const saga = orderFulfillmentSaga(shop);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { ...order, failAt: 'createShipment' });
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.compensated).toEqual(['reserveStock', 'processPayment', 'createOrder']);
    expect(shop.stock['SKU-1']).toBe(100);
    expect(shop.payments.active()).toEqual([]);
    expect(shop.orders.active()).toEqual([]);
  });

  it('should undo the order when stock runs out', async () => {
    const shop = createShop({ stock: { 'SKU-1': 1 } });
    const saga = orderFulfillmentSaga(shop);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, order);
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.errors[0]?.message).toBe('Out of stock: SKU-1 (1 left, 2 wanted)');
    expect(outcome.compensated).toEqual(['processPayment', 'createOrder']);
  });

  it('should survive a transient payment failure with its retries', async () => {
    useFakeClock();
    const shop = createShop();
    const saga = orderFulfillmentSaga(shop);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { ...order, failAt: 'processPayment', failTimes: 2 });
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Completed');
    expect(outcome.attempts['processPayment']).toBe(3);
    expect(shop.payments.active()).toHaveLength(1);
  });
});

describe('example: loan-approval', () => {
  const application = { applicationId: 'L1', applicant: 'Ada', amount: 5000 };

  it('should disburse after an approval and finish the post-pivot steps', async () => {
    const bank = createBank();
    const saga = loanApprovalSaga(bank);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, application);
    await ticks(10);
    await engine.send(id, { type: 'underwriter.decided', data: { approved: true, underwriter: 'grace' } });
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Completed');
    expect(bank.loans.active()).toEqual([{ loanId: 'loan-L1', amount: 5000 }]);
    expect(bank.schedules.active()).toHaveLength(1);
  });

  it('should release the reserved funds when declined', async () => {
    const bank = createBank();
    const saga = loanApprovalSaga(bank);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, application);
    await ticks(10);
    await engine.send(id, { type: 'underwriter.decided', data: { approved: false, underwriter: 'grace' } });
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.errors[0]?.message).toBe('Declined by grace');
    expect(bank.reservations.active()).toEqual([]);
    expect(bank.loans.active()).toEqual([]);
  });

  it('should compensate when the underwriter never answers', async () => {
    useFakeClock();
    const bank = createBank();
    const saga = loanApprovalSaga(bank);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, application);
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.errors[0]).toMatchObject({ step: 'underwriterDecision', name: 'StepTimeoutError' });
  });

  it('should stop in Failed after the pivot and keep the money out', async () => {
    useFakeClock();
    const bank = createBank();
    const saga = loanApprovalSaga(bank);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { ...application, failAt: 'scheduleRepayments' });
    await ticks(10);
    await engine.send(id, { type: 'underwriter.decided', data: { approved: true, underwriter: 'grace' } });
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Failed');
    expect(outcome.failure?.step).toBe('scheduleRepayments');
    expect(bank.loans.active()).toHaveLength(1);
  });

  it('should complete on Retry once the cause is healed outside the saga', async () => {
    useFakeClock();
    const bank = createBank();
    const saga = loanApprovalSaga(bank);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { ...application, failAt: 'notifyApplicant' });
    await ticks(10);
    await engine.send(id, { type: 'underwriter.decided', data: { approved: true, underwriter: 'grace' } });
    expect((await settle(engine, id)).errors.at(-1)?.message).toBe(
      `notifyApplicant failed (failAt=notifyApplicant; heal it: sagachart demo heal ${id})`,
    );
    await engine.retry(id);
    expect((await settle(engine, id)).status).toBe('Failed');
    healFaults(id);
    await engine.retry(id);
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Completed');
    expect(bank.letters.active()).toEqual([{ to: 'Ada', text: 'Your loan is paid out.' }]);
  });

  it('should heal only the named faults of one execution', async () => {
    useFakeClock();
    const bank = createBank();
    const saga = loanApprovalSaga(bank);
    const engine = await startEngine([saga]);
    const failAt = 'notifyApplicant,scheduleRepayments';
    const { id } = await engine.execute(saga, { ...application, failAt });
    const { id: other } = await engine.execute(saga, { ...application, applicationId: 'L2', failAt });
    await ticks(10);
    healFaults(id, ['notifyApplicant']);
    for (const x of [id, other])
      await engine.send(x, { type: 'underwriter.decided', data: { approved: true, underwriter: 'grace' } });
    expect((await settle(engine, id)).failure?.step).toBe('scheduleRepayments');
    expect((await settle(engine, other)).failure?.step).toBe('notifyApplicant');
  });
});

describe('example: subscription-signup', () => {
  const signup = { accountId: 'acc1', email: 'ada@example.com', plan: 'team' as const };

  it('should provision and welcome side by side, then activate', async () => {
    const saas = createSaas();
    const saga = subscriptionSignupSaga(saas);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, signup);
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Completed');
    expect(saas.charges.active()).toEqual([{ chargeId: 'ch-acc1', amount: 29 }]);
    expect(saas.workspaces.active()).toHaveLength(1);
    expect(saas.mail.active()).toHaveLength(1);
  });

  it('should deprovision the workspace, refund and delete the account when the welcome kit fails', async () => {
    useFakeClock();
    const saas = createSaas();
    const saga = subscriptionSignupSaga(saas);
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { ...signup, failAt: 'sendWelcomeKit' });
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.compensated).toEqual(['provisionWorkspace', 'chargeFirstMonth', 'createAccount']);
    expect(saas.workspaces.active()).toEqual([]);
    expect(saas.charges.active()).toEqual([]);
    expect(saas.accounts.active()).toEqual([]);
  });
});
