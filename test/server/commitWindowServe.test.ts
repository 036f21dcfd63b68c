import { describe, expect, it } from 'vitest';
import { serveProcess } from '../fixtures/serveProcess.js';

describe('serve --commit-window', () => {
  it('should run many sagas started at once through start-and-wait with a group commit window', async () => {
    const { server, url } = await serveProcess(['--commit-window', '2']);
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const response = await fetch(`${url}/api/executions?wait=30000`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ saga: 'quick', input: { outcome: 'complete' }, executionId: `w-${i}` }),
          });
          return { status: response.status, body: (await response.json()) as { id: string; status: string } };
        }),
      );
      expect(answers.map((a) => [a.status, a.body.status])).toEqual(answers.map(() => [200, 'Completed']));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(20);
    } finally {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });
});
