import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, CLI_MACHINES, serveProcess } from './fixtures/serveProcess.js';

describe('serve --cors', () => {
  it('should let the listed origins call the API and refuse the others', async () => {
    const { server, url } = await serveProcess(['--cors', 'https://app.example, http://localhost:5173']);
    try {
      const allowed = await fetch(`${url}/api/sagas`, { headers: { origin: 'http://localhost:5173' } });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      const refused = await fetch(`${url}/api/sagas`, { headers: { origin: 'https://evil.example' } });
      expect(refused.status).toBe(403);
    } finally {
      const exited = new Promise((resolve) => server.on('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('should refuse a value that is not an origin, naming it', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sagachart-cors-')), 'cors.db');
    const result = spawnSync(
      process.execPath,
      // Its own --db, so the checkout's data/sagachart.db (npm start's) is never touched.
      [BIN, 'serve', '--port', '0', '--db', db, '--machines', CLI_MACHINES, '--cors', 'https://ok.example,app.example'],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('--cors: "app.example" is not an origin');
  });
});
