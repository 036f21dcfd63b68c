import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { compile, defineSaga, remote, step } from '../src/index.js';
import { toMermaid } from '../src/cli/format/mermaid.js';

const order = defineSaga({
  name: 'remote-order',
  version: 1,
  input: z.object({ orderId: z.string() }),
  steps: [
    step('reserveStock', { run: remote('stock.reserve'), compensate: remote('stock.release'), timeoutMs: 1000 }),
    step('ship', { run: () => 'shipped', pivot: true }),
  ],
});

describe('chart labels', () => {
  it("should label a remote step's replies done and error, as a local step's, not with internal event names", () => {
    const mermaid = toMermaid(compile(order));
    expect(mermaid).not.toContain('saga.reply');
    expect(mermaid).toContain('remote_order_Running_reserveStock_run --> remote_order_Running_ship : done');
    expect(mermaid).toContain('remote_order_Compensating_reserveStock_run --> remote_order_Compensated : done');
    expect(mermaid).toContain('remote_order_Compensating_reserveStock_run --> remote_order_Failed : error');
  });
});
