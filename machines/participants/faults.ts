import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { PermanentError } from '../../src/index.js';

/**
 * The demo's fault switches. `failAt` in an execution's input turns faults on;
 * an operator turns them off again ("heals" them) outside the saga — the way a
 * real cause is fixed (the mailer is back up) — so a Failed execution can be
 * retried and complete. Healed switches live in memory, and also in the JSON
 * file named by `SAGACHART_DEMO_FAULTS` when it is set (the CLI sets it to
 * `demo-faults.json` beside the database), so `sagachart demo heal <id>` in one
 * process heals the faults a server runs in another.
 */
export const DEMO_FAULTS_ENV = 'SAGACHART_DEMO_FAULTS';

/** Every fault of an execution, rather than named ones. */
const ALL = '*';

interface FaultFile {
  healed: Record<string, string[]>;
}

const healedInMemory = new Map<string, Set<string>>();

function readFile(file: string): FaultFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<FaultFile>;
    return { healed: typeof parsed.healed === 'object' && parsed.healed !== null ? parsed.healed : {} };
  } catch {
    // No file yet (or a broken one): nothing healed there.
    return { healed: {} };
  }
}

/** Whether the fault `name` of execution `executionId` was healed. */
export function isHealed(executionId: string, name: string): boolean {
  const here = healedInMemory.get(executionId);
  if (here?.has(ALL) === true || here?.has(name) === true) return true;
  const file = process.env[DEMO_FAULTS_ENV];
  if (file === undefined || file === '') return false;
  const healed = readFile(file).healed[executionId] ?? [];
  return healed.includes(ALL) || healed.includes(name);
}

/**
 * Heals an execution's faults (all of them, or the named ones): from now on its
 * participants succeed where `failAt` made them fail. Written to the
 * `SAGACHART_DEMO_FAULTS` file when `file` or that variable names one.
 *
 * @example
 * healFaults('loan-7');                      // the mailer is back: Retry now completes
 * healFaults('order-9', ['refundPayment']);  // only the payment provider's refunds
 */
export function healFaults(
  executionId: string,
  names: readonly string[] = [],
  file: string | undefined = process.env[DEMO_FAULTS_ENV],
): void {
  const heal = names.length === 0 ? [ALL] : names;
  const here = healedInMemory.get(executionId) ?? new Set<string>();
  for (const name of heal) here.add(name);
  healedInMemory.set(executionId, here);
  if (file === undefined || file === '') return;
  const content = readFile(file);
  content.healed[executionId] = [...new Set([...(content.healed[executionId] ?? []), ...heal])];
  mkdirSync(dirname(file), { recursive: true });
  // Write beside, then rename: a reader never sees half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(temporary, file);
}

/** The names a `failAt` value lists: comma-separated, spaces around them ignored. */
function failAtNames(failAt: string): string[] {
  return failAt
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export interface FaultInput {
  readonly failAt?: string | undefined;
  readonly failTimes?: number | undefined;
}

/**
 * The demo knobs of a saga whose participants answer to `names` (its steps and
 * its compensations): `failAt` lists them in its description, so the input's
 * JSON Schema (`GET /api/sagas/:name`, the inspector's start form) shows every
 * name a user can make fail.
 */
export function faultKnobs<const TName extends string>(names: readonly TName[]) {
  return {
    shape: {
      failAt: z
        .string()
        // A misspelled name would otherwise never fail, silently: refuse it with the names there are.
        .superRefine((failAt, ctx) => {
          const unknown = failAtNames(failAt).filter((name) => !(names as readonly string[]).includes(name));
          if (unknown.length === 0) return;
          const listed = unknown.map((name) => `"${name}"`).join(', ');
          ctx.addIssue({
            code: 'custom',
            message: `unknown name${unknown.length === 1 ? '' : 's'} ${listed}; failAt takes: ${names.join(', ')}`,
          });
        })
        .optional()
        .describe(
          `Demo fault: comma-separated names that fail until healed (sagachart demo heal <id>). One of: ${names.join(', ')}`,
        ),
      failTimes: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('Demo fault: how many attempts of each failAt name fail (every attempt when not given)'),
    },
    /**
     * Throws when the input asks `name` to fail on this attempt and the fault
     * was not healed for this execution.
     */
    inject(input: FaultInput, name: TName, ctx: { readonly attempt: number; readonly executionId: string }): void {
      if (input.failAt === undefined || !failAtNames(input.failAt).includes(name)) return;
      if (isHealed(ctx.executionId, name)) return;
      const heal = `heal it: sagachart demo heal ${ctx.executionId}`;
      if (input.failTimes === undefined) throw new PermanentError(`${name} failed (failAt=${name}; ${heal})`);
      if (ctx.attempt <= input.failTimes)
        throw new Error(`${name} failed on attempt ${ctx.attempt} (failTimes=${input.failTimes}; ${heal})`);
    },
  };
}
