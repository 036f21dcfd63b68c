// The cost of PRAGMA quick_check when a SQLite store opens, on a file of N finished executions.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { statSync } from 'node:fs';
import { sqliteStore } from '../src/sqlite.js';
import type { ExecutionWrite } from '../src/index.js';
import { round } from './measure.js';

const JOURNAL_PER_EXECUTION = 12;
const snapshot = JSON.stringify({
  value: 'Completed',
  context: { input: { orderId: 'A'.repeat(20) }, pad: 'x'.repeat(400) },
});

function finished(i: number): ExecutionWrite {
  return {
    execution: {
      id: `exec-${i}`,
      saga: 'bench',
      version: 1,
      definitionHash: 'h',
      status: 'Completed',
      snapshot,
      revision: 1,
      lastSeq: JOURNAL_PER_EXECUTION,
      idempotencyKey: null,
      createdAt: 1_700_000_000_000 + i,
      updatedAt: 1_700_000_000_000 + i,
      wakeAt: null,
      parked: false,
      fence: 1,
    },
    journal: Array.from({ length: JOURNAL_PER_EXECUTION }, (_, s) => ({
      seq: s + 1,
      at: 1_700_000_000_000 + i,
      type: 'StepCompleted' as const,
      step: `step${s}`,
      attempt: 1,
      data: { ok: true },
    })),
  };
}

async function openMs(file: string, integrityCheck: 'quick' | 'off'): Promise<number> {
  const started = performance.now();
  const store = sqliteStore(file, { integrityCheck });
  await store.init();
  const ms = performance.now() - started;
  await store.close();
  return ms;
}

/** Markdown lines: open time with and without the check, medians of interleaved runs. */
export async function integrityBenchmarks(executions: number): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'sagachart-integrity-')), 'big.db');
  const store = sqliteStore(file, { synchronous: 'NORMAL' });
  await store.init();
  for (let i = 0; i < executions; i += 1_000) {
    await store.commit(Array.from({ length: Math.min(1_000, executions - i) }, (_, k) => finished(i + k)));
  }
  await store.close();
  const checked: number[] = [];
  const unchecked: number[] = [];
  for (let r = 0; r < 5; r += 1) {
    checked.push(await openMs(file, 'quick'));
    unchecked.push(await openMs(file, 'off'));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const mb = statSync(file).size / 2 ** 20;
  return [
    `File: ${executions.toLocaleString('en')} finished executions, ${JOURNAL_PER_EXECUTION} journal entries each, ${round(mb)} MiB; medians of 5 interleaved opens (page cache warm).`,
    '',
    '| open | ms |',
    '|---|---:|',
    `| with PRAGMA quick_check (default) | ${round(median(checked))} |`,
    `| integrityCheck: 'off' | ${round(median(unchecked), 1)} |`,
    '',
  ];
}
