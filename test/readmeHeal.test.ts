import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './fixtures/serveProcess.js';

interface Walkthrough {
  command: string;
  /** The output lines the README promises (text before any wrap, countdown or elision). */
  expected: string[];
  exitCode: number;
}

/** The ```sh block after <!-- readme-heal -->: each `sagachart` line with the comments that follow it. */
function walkthrough(): Walkthrough[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- readme-heal -->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README has no <!-- readme-heal --> block');
  const steps: Walkthrough[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('sagachart ')) steps.push({ command: line, expected: [], exitCode: 0 });
    const last = steps.at(-1);
    if (last === undefined || !line.startsWith('# ')) continue;
    const code = /\(exit code (\d+)\)\s*$/.exec(line);
    if (code?.[1] !== undefined) last.exitCode = Number(code[1]);
    // "# 1. …" lines tell the story; "#      " lines continue a wrapped one.
    if (/^# \d+\./.test(line) || line.startsWith('#  ')) continue;
    const text = line
      .slice(2)
      .replace(/\(exit code \d+\)\s*$/, '')
      .split(/, times out|…/)[0]
      ?.trimEnd();
    if (text !== undefined && text !== '') last.expected.push(text);
  }
  return steps;
}

describe('README: fail, look, fix, retry', () => {
  it('should run as written against npm start, each command printing and exiting as the README says', async () => {
    const steps = walkthrough();
    expect(steps.map((s) => s.command.split(' ')[1])).toEqual(['run', 'send', 'show', 'demo', 'retry']);
    // A fresh checkout's directory: the server and the commands use its data/.
    const cwd = mkdtempSync(join(tmpdir(), 'sagachart-heal-'));
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd });
    try {
      await new Promise<void>((resolve, reject) => {
        let output = '';
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/^inspector[: ]/m.test(output)) resolve();
        });
        server.on('exit', (code) => reject(new Error(`serve exited (${String(code)}): ${output}`)));
      });
      for (const step of steps) {
        // The README's alias, then the line exactly as written, parsed by a shell.
        const result = spawnSync(
          'sh',
          ['-c', `sagachart() { "${process.execPath}" "${BIN}" "$@"; }\n${step.command}`],
          {
            cwd,
            encoding: 'utf8',
            timeout: 60_000,
          },
        );
        expect(result.status, `${step.command}\n${result.stdout}${result.stderr}`).toBe(step.exitCode);
        for (const text of step.expected) expect(result.stdout, step.command).toContain(text);
      }
    } finally {
      server.kill('SIGTERM');
    }
  });
});
