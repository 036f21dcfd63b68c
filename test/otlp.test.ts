import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const BIN = join(root, 'dist', 'src', 'cli', 'main.js');
const MACHINES = join(root, 'test', 'fixtures', 'cli-machines');

describe('serve --otlp', () => {
  it('should send the spans of a saga to an OTLP/HTTP endpoint', async () => {
    const received: { path: string; body: string }[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const address = collector.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const db = join(mkdtempSync(join(tmpdir(), 'sagachart-otlp-')), 'otlp.db');
    const server = spawn(process.execPath, [
      BIN,
      'serve',
      '--port',
      '0',
      '--db',
      db,
      '--machines',
      MACHINES,
      '--otlp',
      endpoint,
    ]);
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1] !== undefined && output.includes('inspector')) resolve(match[1]);
        });
        server.on('exit', () => reject(new Error(output)));
      });
      expect(output).toContain(`sending traces and metrics to ${endpoint}`);
      const run = spawnSync(
        process.execPath,
        [BIN, 'run', 'quick', '--input', '{"outcome":"compensate"}', '--url', url],
        { encoding: 'utf8' },
      );
      expect(run.status).toBe(2);
      const traces = () =>
        received
          .filter((r) => r.path === '/v1/traces')
          .map((r) => r.body)
          .join('\n');
      for (let i = 0; i < 100 && !traces().includes('saga.compensate reserve'); i += 1) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(traces()).toContain('saga.step charge');
      expect(traces()).toContain('saga.compensate reserve');
      expect(traces()).toContain('saga.compensate_for');
    } finally {
      server.kill('SIGTERM');
      collector.close();
    }
  });
});
