import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dir = join(root, 'test', '.generated', 'readme-path-testing');

/** The first ```ts block after the <!-- readme-path-testing --> marker, as written. */
function readmeSnippet(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /<!-- readme-path-testing -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  if (match?.[1] === undefined) throw new Error('README has no marked path-testing snippet');
  return match[1];
}

/** A saga a user writes from the README: a schema'd awaitEvent, idempotent participants; `refund` is its compensation. */
const mySaga = (refund: string) => `import { z } from 'zod';
import { awaitEvent, defineSaga, step } from 'sagachart';

const charges = new Map<string, { chargeId: string; amount: number }>();
const holds = new Set<string>();
const stepKey = (key: string) => key.replace(/:compensate$/, '');

export const mySaga = defineSaga({
  name: 'my-saga',
  version: 1,
  input: z.object({ orderId: z.string().min(1), amount: z.number().positive() }),
  steps: [
    step('holdStock', {
      run: ({ idempotencyKey }) => (holds.add(idempotencyKey), { held: true }),
      compensate: ({ idempotencyKey }) => void holds.delete(stepKey(idempotencyKey)),
    }),
    step('charge', {
      run: ({ input, idempotencyKey }) => {
        const charge = charges.get(idempotencyKey) ?? { chargeId: 'ch-' + input.orderId, amount: input.amount };
        charges.set(idempotencyKey, charge);
        return charge;
      },
      compensate: ${refund},
      retry: { maxAttempts: 3 },
    }),
    awaitEvent('approval', {
      event: 'order.approved',
      schema: z.object({ approvedBy: z.string().min(1), note: z.string().optional() }),
      timeoutMs: 86_400_000,
    }),
    step('ship', { run: ({ results }) => ({ shippedFor: results.approval.approvedBy }), pivot: true }),
    step('notify', { run: () => 'sent', retry: { maxAttempts: 5 } }),
  ],
});
`;

interface JsonReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly assertionResults: readonly {
      readonly status: string;
      readonly failureMessages: readonly string[];
      readonly ancestorTitles: readonly string[];
    }[];
  }[];
}

/** Runs the snippet, copied as written, with vitest in a child process beside each saga. */
function runSnippet(): JsonReport {
  rmSync(dir, { recursive: true, force: true });
  const snippet = readmeSnippet();
  const sagas = {
    good: mySaga('({ idempotencyKey }) => void charges.delete(stepKey(idempotencyKey))'),
    // The bug: the charge's output has no receipt.
    broken: mySaga('({ result }) => (result as unknown as { receipt: { id: string } }).receipt.id'),
  };
  for (const [name, saga] of Object.entries(sagas)) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'my-saga.ts'), saga);
    writeFileSync(join(dir, name, 'paths.spec.ts'), snippet);
  }
  writeFileSync(
    join(dir, 'vitest.config.ts'),
    `import { defineConfig } from 'vitest/config';
export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'], externalConditions: ['development'] } },
  test: { root: import.meta.dirname, include: ['*/paths.spec.ts'], pool: 'forks' },
});
`,
  );
  const output = join(dir, 'report.json');
  const child = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--config',
      join(dir, 'vitest.config.ts'),
      '--reporter=json',
      `--outputFile=${output}`,
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
  );
  try {
    return JSON.parse(readFileSync(output, 'utf8')) as JsonReport;
  } catch {
    throw new Error(`vitest wrote no report: ${child.stdout}\n${child.stderr}`);
  }
}

describe('README: testing every path', () => {
  const report = runSnippet();
  const results = (name: string) =>
    report.testResults.find((r) => r.name.includes(`/${name}/`))?.assertionResults ?? [];

  it('should pass, copied as written, on a saga with a schema’d awaitEvent and no event data', () => {
    const good = results('good');
    expect(good.length).toBeGreaterThan(20);
    expect(good.filter((t) => t.status !== 'passed').flatMap((t) => t.failureMessages)).toEqual([]);
  });

  it('should name each test after its whole path, so two paths never read the same', () => {
    const good = results('good');
    const names = new Set(good.map((t) => t.ancestorTitles.join(' > ')));
    expect(names.size * 2).toBe(good.length);
    expect([...names]).toContain('charge fails -> undo holdStock -> Compensated');
    expect([...names].filter((name) => name.endsWith('…'))).toEqual([]);
  });

  it('should fail with a clear violation naming the step when a compensation is broken', () => {
    const broken = results('broken');
    const failures = broken.filter((t) => t.status === 'failed').flatMap((t) => t.failureMessages);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatch(
      /^SagaPathViolation: Path ".*" broke "the saga's own code runs without throwing": the compensation of "charge" threw TypeError: Cannot read properties of undefined \(reading '(id|receipt)'\) \(compensate, attempt 1\)/,
    );
    expect(failures[0]).toMatch(/input \(generated\): \{"orderId":/);
  });
});
