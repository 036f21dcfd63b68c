import { describe, expect, it } from 'vitest';
import { CompensatedError, Ledger, StaleFenceError } from '../machines/participants/ledger.js';

describe("the example participants' ledger", () => {
  it('should refuse a call whose fence is lower than one it has seen for the key, and keep the first effect', () => {
    const ledger = new Ledger<{ n: number }>();
    expect(ledger.apply('e1:pay', () => ({ n: 1 }), 1)).toEqual({ n: 1 });
    // The engine that took over calls again with fence 2: the same effect, applied once.
    expect(ledger.apply('e1:pay', () => ({ n: 2 }), 2)).toEqual({ n: 1 });
    // The replaced engine (fence 1) wakes and calls late: refused, for its apply and its undo.
    expect(() => ledger.apply('e1:pay', () => ({ n: 3 }), 1)).toThrow(StaleFenceError);
    expect(() => ledger.undo('e1:pay', 1)).toThrow(/fence 1 after fence 2/);
    expect(ledger.active()).toEqual([{ n: 1 }]);
    // The current holder may still undo it; a late forward call is then refused as compensated.
    expect(ledger.undo('e1:pay', 2)).toBe(true);
    expect(() => ledger.apply('e1:pay', () => ({ n: 4 }), 2)).toThrow(CompensatedError);
  });
});
