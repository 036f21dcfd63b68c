import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createShop, orderFulfillmentSaga } from '../machines/order-fulfillment.js';
import { SagaInputError } from '../src/index.js';
import { startEngine } from './fixtures/engine.js';

const order = { orderId: 'A1', customerId: 'c1', items: [{ sku: 'SKU-1', qty: 1 }], amount: 10 };
const names =
  'createOrder, cancelOrder, processPayment, refundPayment, reserveStock, releaseStock, createShipment, cancelShipment';

describe('the demo fault switch failAt', () => {
  it('should refuse a misspelled name, naming it and listing the valid ones', async () => {
    const saga = orderFulfillmentSaga(createShop());
    const engine = await startEngine([saga]);
    const error = await engine
      .execute(saga, { ...order, failAt: 'createShipment,refundPaymnt' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SagaInputError);
    const { message, issues } = error as SagaInputError;
    expect(message).toContain(`failAt: unknown name "refundPaymnt"; failAt takes: ${names}`);
    expect(issues.map((issue) => issue.path)).toEqual([['failAt']]);
    expect((await engine.list()).items).toEqual([]);
  });

  it('should name every unknown name at once', async () => {
    const saga = orderFulfillmentSaga(createShop());
    const engine = await startEngine([saga]);
    const error = await engine.execute(saga, { ...order, failAt: 'shipIt,payNow' }).catch((e: unknown) => e);
    expect((error as SagaInputError).message).toContain('unknown names "shipIt", "payNow"; failAt takes: ');
  });

  it('should fail at a valid name written with spaces after the commas', async () => {
    const saga = orderFulfillmentSaga(createShop());
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { ...order, failAt: 'reserveStock, createOrder' });
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(outcome.errors[0]?.message).toContain('createOrder failed (failAt=createOrder');
  });

  it("should still list the names in the input's JSON Schema, and no pattern", () => {
    const schema = z.toJSONSchema(orderFulfillmentSaga(createShop()).input, { io: 'input' }) as {
      properties: Record<string, { description?: string; pattern?: string }>;
    };
    expect(schema.properties['failAt']?.description).toContain(names);
    expect(schema.properties['failAt']?.pattern).toBeUndefined();
  });
});
