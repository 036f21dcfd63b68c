import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const BIN = join(root, 'dist', 'src', 'cli', 'main.js');
const GOOD = join(root, 'test', 'fixtures', 'path-machines');
const BROKEN = join(root, 'test', 'fixtures', 'path-machines-broken');

function sagachart(args: string[], machines: string) {
  const result = spawnSync(process.execPath, [BIN, ...args, '--machines', machines], { encoding: 'utf8', cwd: root });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('sagachart test', () => {
  it('should print each path as it runs, generate what is not given, and exit 0 when all keep the invariants', () => {
    const result = sagachart(['test', 'approval'], GOOD);

    expect(result.code, result.err).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(/^approval v1: (\d+) paths$/);
    expect(result.out).toMatch(/^ {2}✓ all steps succeed -> Completed {2}\d+ms$/m);
    expect(result.out).toMatch(
      /^ {2}✓ pay fails -> undo hold fails -> Failed -> operator retries -> undo hold -> Compensated {2}\d+ms$/m,
    );
    const total = Number(/^approval v1: (\d+) paths$/.exec(lines[0] ?? '')?.[1]);
    expect(lines.filter((l) => l.startsWith('  ✓ '))).toHaveLength(total);
    expect(result.out).toMatch(new RegExp(`^${total}/${total} paths keep the invariants \\(\\d`, 'm'));
  });

  it('should report a broken compensation with the step and error, print the violation in full and exit 1', () => {
    const result = sagachart(['test', 'refund'], BROKEN);

    expect(result.code).toBe(1);
    expect(result.out).toContain('  ✗ ship fails -> undo charge -> undo reserve -> Compensated');
    expect(result.out).toMatch(/paths keep the invariants, \d+ broke/);
    expect(result.out).toContain(
      '✗ refund: Path "ship fails -> undo charge -> undo reserve -> Compensated" broke "the saga\'s own code runs without throwing": the compensation of "charge" threw TypeError',
    );
    expect(result.out).toMatch(/^ {2}input \(generated\): \{"orderId":/m);
  });

  it('should explain --event-data keyed by step name when given the event’s own data', () => {
    const result = sagachart(['test', 'approval', '--event-data', '{"approvedBy":"grace"}'], GOOD);

    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'sagachart test: --event-data: eventData is keyed by the name of an awaitEvent step, e.g. { managerApproval: <the data of "manager.approved"> }; "approvedBy" is not an awaitEvent step of approval (its awaitEvent steps: managerApproval)',
    );
    const help = sagachart(['test', '--help'], GOOD);
    expect(help.out).toContain("--event-data   the data of each awaited event, keyed by the awaitEvent step's name");
  });

  it('should take event data keyed by step name and run each path --runs times', () => {
    const result = sagachart(
      [
        'test',
        'approval',
        '--event-data',
        '{"managerApproval":{"approvedBy":"grace"}}',
        '--runs',
        '3',
        '--kind',
        'success',
      ],
      GOOD,
    );

    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toContain('  ✓ all steps succeed -> Completed');
    expect(result.out).toMatch(/^1\/1 paths keep the invariants/m);
  });
});
