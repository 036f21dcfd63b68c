import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteStore } from '../../src/sqlite.js';
import { natsAvailable } from '../fixtures/nats.js';

const available = await natsAvailable();
const root = join(import.meta.dirname, '..', '..');

describe.skipIf(!available)('npm run demo:distributed', () => {
  it('should run the order saga across four participant processes and print each outcome with its page', async () => {
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
    // Each line links the execution's page, so the order can be found among the executions.
    const links = [...run.stdout.matchAll(/^(A-\d): .* {2}http:\/\/127\.0\.0\.1:\d+\/#\/execution\/(\S+)$/gm)];
    expect(links.map((link) => link[1])).toEqual(['A-1', 'A-2', 'A-3', 'A-4']);
    const store = sqliteStore(join(root, 'data', 'demo-distributed', 'engine.db'), { readOnly: true });
    await store.init();
    try {
      for (const [, orderId, id] of links) {
        const [started] = await store.journal(String(id));
        expect(started, String(id)).toMatchObject({ type: 'SagaStarted', data: { input: { orderId } } });
      }
    } finally {
      await store.close();
    }
  }, 150_000);

  it('should stop its participants when it is stopped before the orders are done', async () => {
    const run = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'scripts', 'demo-distributed', 'run.ts'), '--once', '--port', '0'],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    let out = '';
    const pids = await new Promise<number[]>((resolve) =>
      run.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const listed = /\(pids ([\d, ]+)\)/.exec(out)?.[1];
        if (listed !== undefined) resolve(listed.split(', ').map(Number));
      }),
    );
    expect(pids).toHaveLength(4);
    run.kill('SIGTERM');
    await expect(exited).resolves.toBe(143);
    await expect.poll(() => pids.filter(alive), { timeout: 10_000 }).toEqual([]);
  }, 150_000);

  it("should refuse a second demo from the same checkout instead of deleting the first one's files", async () => {
    const first = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'scripts', 'demo-distributed', 'run.ts'), '--port', '0'],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    try {
      let out = '';
      await new Promise<void>((resolve) =>
        first.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('(pids ')) resolve();
        }),
      );
      const second = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(root, 'scripts', 'demo-distributed', 'run.ts'), '--once', '--port', '0'],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(second.status, `${second.stdout}\n${second.stderr}`).toBe(1);
      expect(second.stderr).toContain(`demo:distributed: another demo runs from this checkout (pid ${first.pid}`);
      expect(second.stdout).not.toContain('participants:');
    } finally {
      first.kill('SIGTERM');
      await exited;
    }
  }, 150_000);

  it('should say the port is taken and stop its participants, not leave them running', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(root, 'scripts', 'demo-distributed', 'run.ts'), '--once', '--port', String(port)],
        { cwd: root, encoding: 'utf8', timeout: 120_000 },
      );
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
      expect(run.stderr.trim()).toBe(
        `demo:distributed: cannot listen on 127.0.0.1:${port}: the port is in use (another sagachart serve, npm start or demo?); stop it, or pick another port with npm run demo:distributed -- --port N`,
      );
      const pids = (/\(pids ([\d, ]+)\)/.exec(run.stdout)?.[1] ?? '').split(', ').map(Number);
      expect(pids).toHaveLength(4);
      await expect.poll(() => pids.filter(alive), { timeout: 10_000 }).toEqual([]);
    } finally {
      taken.close();
    }
  }, 150_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
