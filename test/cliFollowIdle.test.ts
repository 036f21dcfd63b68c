import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');

describe('sagachart run --url', () => {
  it('should still end with the outcome when the stream goes quiet before the last entries', async () => {
    // A server whose stream stops after the first entry (as a stream that missed the end would).
    const view = { id: 'x-1', saga: 'quick', status: 'Completed', state: 'Completed', failure: null, waiting: [] };
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/api/sagas') return void res.end(JSON.stringify({ items: [] }));
      if (req.method === 'POST' && req.url === '/api/executions') {
        res.writeHead(201, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ id: 'x-1', existing: false }));
      }
      if (req.url === '/api/executions/x-1/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const entry = { seq: 1, at: Date.now(), type: 'SagaStarted' };
        res.write(`id: 1\nevent: journal\ndata: ${JSON.stringify({ status: 'Running', entry })}\n\n`);
        return; // never ends, never sends SagaCompleted
      }
      if (req.url?.startsWith('/api/executions/x-1')) return void res.end(JSON.stringify(view));
      res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    try {
      const child = spawn(process.execPath, [BIN, 'run', 'quick', '--url', url]);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, out).toBe(0);
      expect(out).toContain('Completed: x-1');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 30_000);
});
