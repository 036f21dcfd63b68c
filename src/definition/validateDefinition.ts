import { z } from 'zod';
import { SagaDefinitionError } from './errors.js';
import type { SagaOptions, SagaStep, StepDefinition } from './types.js';

const SAGA_NAME = /^[a-z][a-z0-9-]*$/;
// Step names become state names, so they cannot hold XState's path delimiters.
const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const RESERVED_EVENT_PREFIXES = ['saga.', 'xstate.'];

const retryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(10_000),
    initialDelayMs: z.number().int().min(0).optional(),
    backoffFactor: z.number().min(1).max(100).optional(),
    maxDelayMs: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((p) => p.maxDelayMs === undefined || p.initialDelayMs === undefined || p.maxDelayMs >= p.initialDelayMs, {
    message: 'maxDelayMs must be at least initialDelayMs',
  });

const stepOptionsSchema = z
  .object({
    run: z.function(),
    compensate: z.union([z.function(), z.literal('none')]).optional(),
    retry: retryPolicySchema.optional(),
    compensationRetry: retryPolicySchema.optional(),
    timeoutMs: z.number().int().positive().optional(),
    pivot: z.boolean().optional(),
  })
  .strict();

const awaitEventOptionsSchema = z
  .object({
    event: z
      .string()
      .min(1)
      .refine((e) => !RESERVED_EVENT_PREFIXES.some((p) => e.startsWith(p)), {
        message: `event types starting with ${RESERVED_EVENT_PREFIXES.join(' or ')} are reserved`,
      }),
    schema: z.custom<z.ZodType>((s) => s instanceof z.ZodType, { message: 'schema must be a zod schema' }).optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();

const sagaHeaderSchema = z.object({
  name: z.string().regex(SAGA_NAME, 'saga name must match /^[a-z][a-z0-9-]*$/'),
  version: z.number().int().positive(),
  input: z.custom<z.ZodType>((s) => s instanceof z.ZodType, { message: 'input must be a zod schema' }),
  steps: z.array(z.unknown()).min(1, 'a saga needs at least one step'),
  deadlineMs: z.number().int().positive().optional(),
  description: z.string().optional(),
});

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${path}${issue.message}`;
}

function fail(saga: string, step: string | undefined, rule: string, message: string): never {
  const where = step === undefined ? `Saga "${saga}"` : `Saga "${saga}", step "${step}"`;
  throw new SagaDefinitionError(`${where}: ${message}`, rule, step === undefined ? {} : { step });
}

function checkSchema(saga: string, step: string, schema: z.ZodType, value: unknown): void {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    fail(saga, step, 'step-options', parsed.error.issues.map(describeIssue).join('; '));
  }
}

function checkEntry(saga: string, entry: unknown, inParallel: boolean): asserts entry is SagaStep {
  const candidate = entry as Partial<SagaStep> | undefined;
  const name = typeof candidate?.name === 'string' ? candidate.name : undefined;
  if (candidate === undefined || candidate === null || typeof candidate !== 'object' || name === undefined) {
    fail(saga, undefined, 'step-kind', 'every entry of steps must be made with step(), awaitEvent() or parallel()');
  }
  if (!STEP_NAME.test(name)) {
    fail(saga, name, 'step-name', 'step names must match /^[A-Za-z_][A-Za-z0-9_-]*$/');
  }
  switch (candidate.kind) {
    case 'step':
      checkSchema(saga, name, stepOptionsSchema, candidate.options);
      if (inParallel && candidate.options?.pivot === true) {
        fail(saga, name, 'pivot-in-parallel', 'a step inside a parallel group cannot be the pivot');
      }
      return;
    case 'awaitEvent':
      if (inParallel) fail(saga, name, 'step-kind', 'a parallel group holds only step() entries');
      checkSchema(saga, name, awaitEventOptionsSchema, candidate.options);
      return;
    case 'parallel': {
      if (inParallel) fail(saga, name, 'step-kind', 'parallel groups cannot be nested');
      const branches: unknown = candidate.branches;
      if (!Array.isArray(branches) || branches.length === 0) {
        fail(saga, name, 'parallel-branches', 'a parallel group needs at least one step');
      }
      for (const branch of branches) checkEntry(saga, branch, true);
      return;
    }
    default:
      fail(saga, name, 'step-kind', 'every entry of steps must be made with step(), awaitEvent() or parallel()');
  }
}

/** The steps in order, with each parallel group's branches in place of the group. */
export function flattenSteps(steps: readonly SagaStep[]): (StepDefinition | SagaStep)[] {
  return steps.flatMap((s) => (s.kind === 'parallel' ? [...s.branches] : [s]));
}

function checkPivotAndCompensations(saga: string, steps: readonly SagaStep[]): void {
  const pivots = flattenSteps(steps).filter((s) => s.kind === 'step' && s.options.pivot === true);
  if (pivots.length > 1) {
    fail(saga, pivots[1]?.name, 'single-pivot', `only one step can be the pivot (also marked: "${pivots[0]?.name}")`);
  }
  let pastPivot = false;
  for (const entry of flattenSteps(steps)) {
    if (entry.kind !== 'step') continue;
    const { compensate, pivot } = entry.options;
    if (pivot === true) pastPivot = true;
    if (pastPivot && compensate !== undefined && compensate !== 'none') {
      fail(
        saga,
        entry.name,
        'no-compensation-after-pivot',
        'the pivot and the steps after it are never compensated, so they cannot have a compensate function',
      );
    }
    if (!pastPivot && compensate === undefined) {
      fail(
        saga,
        entry.name,
        'compensation-required',
        "a step before the pivot needs a compensate function, or compensate: 'none' to say it has nothing to undo",
      );
    }
  }
}

/**
 * Checks every rule of a saga definition and throws a {@link SagaDefinitionError}
 * naming the step and the rule for the first one broken.
 *
 * @internal
 */
export function validateDefinition(options: SagaOptions<string, z.ZodType, readonly SagaStep[]>): void {
  const header = sagaHeaderSchema.safeParse(options);
  const sagaName = typeof options?.name === 'string' ? options.name : '?';
  if (!header.success) {
    fail(sagaName, undefined, 'saga-options', header.error.issues.map(describeIssue).join('; '));
  }
  for (const entry of options.steps) checkEntry(sagaName, entry, false);
  const seen = new Set<string>();
  const named: { name: string }[] = options.steps.flatMap((s): { name: string }[] =>
    s.kind === 'parallel' ? [s, ...s.branches] : [s],
  );
  for (const entry of named) {
    if (seen.has(entry.name)) fail(sagaName, entry.name, 'unique-step-names', 'step names must be unique');
    seen.add(entry.name);
  }
  checkPivotAndCompensations(sagaName, options.steps);
}
