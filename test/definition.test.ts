import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, parallel, SagaDefinitionError, step, type SagaStep } from '../src/index.js';

const run = () => 1;
const undo = () => undefined;

function attempt(steps: readonly SagaStep[], extra: Record<string, unknown> = {}): SagaDefinitionError {
  try {
    defineSaga({ name: 'bad', version: 1, input: z.object({}), steps, ...extra });
  } catch (error) {
    if (error instanceof SagaDefinitionError) return error;
    throw error;
  }
  throw new Error('expected a SagaDefinitionError');
}

describe('definition rules', () => {
  it('should refuse duplicate step names, naming the step', () => {
    const error = attempt([step('a', { run, compensate: undo }), step('a', { run, compensate: undo })]);
    expect(error.rule).toBe('unique-step-names');
    expect(error.step).toBe('a');
    expect(error.message).toBe('Saga "bad", step "a": step names must be unique');
  });

  it('should refuse duplicate names across parallel branches', () => {
    const error = attempt([
      step('a', { run, compensate: undo }),
      parallel('g', [step('a', { run, compensate: undo })]),
    ]);
    expect(error.rule).toBe('unique-step-names');
  });

  it('should refuse a second pivot, naming both', () => {
    const error = attempt([step('p1', { run, pivot: true }), step('p2', { run, pivot: true })]);
    expect(error.rule).toBe('single-pivot');
    expect(error.message).toMatch(/step "p2".*also marked: "p1"/);
  });

  it('should require a compensation (or an explicit none) before the pivot', () => {
    const error = attempt([step('charge', { run }), step('p', { run, pivot: true })]);
    expect(error.rule).toBe('compensation-required');
    expect(error.message).toMatch(/step "charge".*compensate: 'none'/);
  });

  it('should require compensations when there is no pivot at all', () => {
    expect(attempt([step('a', { run })]).rule).toBe('compensation-required');
  });

  it('should refuse a compensation on or after the pivot', () => {
    expect(attempt([step('p', { run, pivot: true, compensate: undo })]).rule).toBe('no-compensation-after-pivot');
    expect(attempt([step('p', { run, pivot: true }), step('after', { run, compensate: undo })]).step).toBe('after');
  });

  it.each([
    [{ maxAttempts: 0 }, /maxAttempts/],
    [{ maxAttempts: 1.5 }, /maxAttempts/],
    [{ maxAttempts: 3, backoffFactor: 0.5 }, /backoffFactor/],
    [{ maxAttempts: 3, initialDelayMs: -1 }, /initialDelayMs/],
    [{ maxAttempts: 3, initialDelayMs: 500, maxDelayMs: 100 }, /maxDelayMs must be at least initialDelayMs/],
  ])('should refuse the retry policy %j', (retry, message) => {
    const error = attempt([step('a', { run, compensate: undo, retry })]);
    expect(error.rule).toBe('step-options');
    expect(error.step).toBe('a');
    expect(error.message).toMatch(message);
  });

  it('should refuse a non-positive timeout and unknown options', () => {
    expect(attempt([step('a', { run, compensate: undo, timeoutMs: 0 })]).message).toMatch(/timeoutMs/);
    expect(attempt([step('a', { run, compensate: undo, retires: 3 } as never)]).message).toMatch(/retires/);
  });

  it('should refuse bad saga names, versions and empty step lists', () => {
    expect(() =>
      defineSaga({ name: 'Bad Name', version: 1, input: z.object({}), steps: [step('a', { run, compensate: undo })] }),
    ).toThrow(/saga name must match/);
    expect(attempt([step('a', { run, compensate: undo })], { version: 0 }).rule).toBe('saga-options');
    expect(attempt([]).message).toMatch(/at least one step/);
  });

  it('should refuse step names that cannot be state names', () => {
    expect(attempt([step('a.b', { run, compensate: undo })]).rule).toBe('step-name');
  });

  it('should refuse reserved event types, nested groups and a pivot inside a group', () => {
    expect(attempt([awaitEvent('w', { event: 'saga.cancel' })]).message).toMatch(/reserved/);
    expect(attempt([parallel('g', [parallel('h', []) as never])]).rule).toBe('step-kind');
    expect(attempt([parallel('g', [step('p', { run, pivot: true })])]).rule).toBe('pivot-in-parallel');
    expect(attempt([parallel('g', [])]).rule).toBe('parallel-branches');
  });

  it('should refuse an input that is not a zod schema', () => {
    expect(attempt([step('a', { run, compensate: undo })], { input: { parse: () => 1 } }).message).toMatch(
      /input must be a zod schema/,
    );
  });

  it('should hash the shape, not the code or retry numbers', () => {
    const make = (maxAttempts: number, name = 'a') =>
      defineSaga({
        name: 'h',
        version: 1,
        input: z.object({}),
        steps: [step(name, { run, compensate: undo, retry: { maxAttempts } })],
      });
    expect(make(1).hash).toBe(make(5).hash);
    expect(make(1).hash).not.toBe(make(1, 'b').hash);
  });
});
