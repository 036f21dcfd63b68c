import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, memoryStore, SagaEngine, step } from 'sagachart';
import { inspectorDir, startServer } from 'sagachart/server';
import { sqliteStore } from 'sagachart/sqlite';

const greet = defineSaga({
  name: 'greet',
  version: 1,
  input: z.object({ name: z.string() }),
  steps: [step('hello', { run: ({ input }) => `hello ${input.name}`, compensate: () => undefined })],
});

describe('sagachart/server: the HTTP API and inspector on an engine of your own', () => {
  it('should serve the API and the inspector, and leave the executions resumable when closed', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sagachart-embed-')), 'app.db');
    const engine = new SagaEngine({ store: sqliteStore(db), sagas: [greet] });
    await engine.start();
    const staticDir = inspectorDir();
    expect(staticDir, 'the inspector is built by npm test (pretest) and npm start').toBeDefined();
    const running = await startServer({ engine, port: 0, token: 'secret', staticDir });
    try {
      const started = await fetch(`${running.url}/api/executions?wait=5000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer secret' },
        body: JSON.stringify({ saga: 'greet', input: { name: 'Ada' } }),
      });
      expect(started.status).toBe(200);
      expect(await started.json()).toMatchObject({ status: 'Completed', results: { hello: 'hello Ada' } });
      const refused = await fetch(`${running.url}/api/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ saga: 'greet', input: { name: 'Bob' } }),
      });
      expect(refused.status).toBe(401);
      const page = await fetch(`${running.url}/`);
      expect(await page.text()).toContain('<title>sagachart inspector</title>');
    } finally {
      // Closing the server stops the engine too; the file can be opened again.
      await running.close();
    }
    const reopened = new SagaEngine({ store: sqliteStore(db), sagas: [greet] });
    await reopened.start();
    expect((await reopened.list()).items.map((e) => e.status)).toEqual(['Completed']);
    await reopened.stop();
  });

  it('should refuse options it cannot work with, naming them, before it listens', async () => {
    const engine = new SagaEngine({ store: memoryStore(), sagas: [greet] });
    await engine.start();
    try {
      await expect(startServer({ engine, port: 0, staticDir: '/no/such/folder' })).rejects.toThrow(
        'staticDir "/no/such/folder" is not a folder',
      );
      await expect(startServer({ engine, port: 0, maxWaitMs: -5 })).rejects.toThrow(
        'maxWaitMs must be a whole number, 0 or more (got -5)',
      );
      await expect(startServer({ engine, port: 0, bodyLimitBytes: 0.5 })).rejects.toThrow('bodyLimitBytes');
      // Without an inspector, / says so instead of "Cannot GET /".
      const running = await startServer({ engine, port: 0 });
      const page = await fetch(`${running.url}/`);
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('this server has no inspector');
      await running.close();
    } finally {
      await engine.stop();
    }
  });
});
