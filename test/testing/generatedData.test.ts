import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, step } from '../../src/index.js';
import { runSagaPath, SagaDataError, sagaPaths, SagaPathViolation } from '../../src/testing/index.js';
import { schemaArbitrary } from '../../src/testing/schemaArbitrary.js';

const decision = z.object({ approvedBy: z.string().min(1), limit: z.number().int().min(1).max(5_000) });

describe('data generated from the schemas', () => {
  it('should run every path of a saga with a schema’d awaitEvent and no input or event data', async () => {
    const seen: unknown[] = [];
    const loan = defineSaga({
      name: 'generated-loan',
      version: 1,
      input: z.object({ applicant: z.email(), amount: z.number().positive().max(10_000) }),
      steps: [
        step('hold', { run: ({ input }) => ({ held: input.amount }), compensate: () => undefined }),
        awaitEvent('decide', { event: 'loan.decided', schema: decision, timeoutMs: 60_000 }),
        step('pay', {
          // Parses what arrived: throws (and breaks the path) unless the generated data fits the schema.
          run: ({ results, input }) => {
            const made = decision.parse(results['decide']);
            seen.push(made);
            return { paid: Math.min(made.limit, input.amount) };
          },
          pivot: true,
        }),
      ],
    });

    for (const path of sagaPaths(loan)) await runSagaPath(loan, path);

    expect(seen.length).toBeGreaterThan(0);
    for (const made of seen) expect(decision.safeParse(made).success).toBe(true);
  });

  it('should find a compensation that breaks on some valid inputs and shrink the input to a minimal one', async () => {
    const cart = z.object({
      cartId: z.string().min(1),
      items: z.array(z.object({ sku: z.string().min(1), qty: z.number().int().positive() })).min(1),
    });
    const shop = defineSaga({
      name: 'bulk-bug',
      version: 1,
      input: cart,
      steps: [
        step('reserve', {
          run: ({ input }) => ({ lines: input.items.length }),
          // The bug: a release API that takes at most two lines, "which is all anyone orders".
          compensate: ({ input }) => {
            if (input.items.length > 2) throw new Error(`release API: too many lines (${input.items.length})`);
          },
        }),
        step('ship', { run: () => 'shipped', compensate: 'none' }),
      ],
    });
    const path = sagaPaths(shop).find((p) => p.name === 'ship fails -> undo reserve -> Compensated');
    if (path === undefined) throw new Error('no such path');

    const error = await runSagaPath(shop, path, { runs: 40 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SagaPathViolation);
    const violation = error as SagaPathViolation;
    expect(violation.kind).toBe('threw');
    expect(violation.step).toBe('reserve');
    expect(violation.phase).toBe('compensate');
    expect(violation.data?.generated).toContain('input');
    const input = cart.parse(violation.data?.input);
    // Shrunk to the smallest cart that breaks it: three lines.
    expect(input.items).toHaveLength(3);
    expect(violation.message).toMatch(/input \(generated\): \{.*"items":\[/);
  });

  it('should say which value it cannot generate and what to pass instead', async () => {
    const picky = defineSaga({
      name: 'picky',
      version: 1,
      input: z.object({ code: z.string().refine((s) => s === 'only-this-one') }),
      steps: [step('one', { run: () => 1, compensate: 'none' })],
    });
    const [path] = sagaPaths(picky);
    if (path === undefined) throw new Error('no path');

    const error = await runSagaPath(picky, path).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SagaDataError);
    expect((error as Error).message).toMatch(
      /^Cannot generate the input of saga "picky": its schema refused 500 generated values in a row .*; pass `input` yourself$/,
    );
  });

  it.each([
    ['strings with bounds', z.string().min(3).max(5)],
    ['emails', z.email()],
    ['uuids', z.uuid()],
    ['ISO date-times', z.iso.datetime()],
    ['patterns', z.string().regex(/^[A-Z]{3}-\d{2}$/)],
    ['integers with exclusive bounds', z.number().int().gt(-3).lt(3)],
    ['multiples', z.number().multipleOf(5).min(10).max(50)],
    ['positive numbers', z.number().positive()],
    ['enums and literals', z.object({ plan: z.enum(['a', 'b']), v: z.literal(2) })],
    [
      'optional, nullable and defaults',
      z.object({ a: z.string().optional(), b: z.number().nullable(), c: z.boolean().default(true) }),
    ],
    ['arrays and tuples', z.object({ xs: z.array(z.number()).min(2).max(4), t: z.tuple([z.string(), z.number()]) })],
    ['records', z.record(z.string(), z.number().int())],
    [
      'discriminated unions',
      z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('card'), last4: z.string().length(4) }),
        z.object({ kind: z.literal('iban'), iban: z.string().min(15) }),
      ]),
    ],
  ])('should generate only valid %s', (_, schema) => {
    fc.assert(
      fc.property(schemaArbitrary(schema, 'a test value', 'pass it'), (value) => schema.safeParse(value).success),
      { numRuns: 100 },
    );
  });
});
