import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { natsAvailable } from '../fixtures/nats.js';

const available = await natsAvailable();
const root = join(import.meta.dirname, '..', '..');

describe.skipIf(!available)('npm run demo:distributed', () => {
  it('should run the order saga across four participant processes and print each outcome', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'scripts', 'demo-distributed', 'run.ts'), '--once', '--port', '0'],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('participants: orders, payments, stock, shipping');
    expect(run.stdout).toContain('A-1: Completed');
    expect(run.stdout).toContain('A-2: Compensated (card declined for 5000)');
    expect(run.stdout).toContain('A-3: Compensated (SKU-SOLD-OUT is sold out)');
    expect(run.stdout).toContain('A-4: Completed');
  }, 150_000);
});
