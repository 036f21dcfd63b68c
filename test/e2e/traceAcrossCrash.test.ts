import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const WORKER = join(import.meta.dirname, 'traceWorker.ts');

describe('tracing across a crash', () => {
  it('should put the spans of a killed and resumed execution in one trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sagachart-trace-'));
    const db = join(dir, 'engine.db');
    const spansFile = join(dir, 'spans.jsonl');
    const first = spawn(process.execPath, ['--import', 'tsx', WORKER, 'start', db, spansFile]);
    await new Promise<void>((resolve, reject) => {
      first.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('parked') && resolve());
      first.on('exit', () => reject(new Error('the first process exited early')));
    });
    const killed = new Promise((resolve) => first.on('exit', (_, signal) => resolve(signal)));
    first.kill('SIGKILL');
    expect(await killed).toBe('SIGKILL');

    const second = spawnSync(process.execPath, ['--import', 'tsx', WORKER, 'resume', db, spansFile], {
      encoding: 'utf8',
    });
    expect(second.stdout, second.stderr).toContain('done');

    const spans = readFileSync(spansFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; traceId: string; pid: number });
    expect(spans.map((s) => s.name)).toEqual(['saga traced-across-crash', 'saga.step before', 'saga.step after']);
    expect(new Set(spans.map((s) => s.pid)).size).toBe(2);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  }, 30_000);
});
