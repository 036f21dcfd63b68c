import { spawnSync } from 'node:child_process';
import { WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { BIN, serveProcess } from './fixtures/serveProcess.js';
import { until } from './fixtures/until.js';

interface InspectionFrame {
  type: string;
  sessionId?: string;
  snapshot?: { value?: unknown };
  event?: { type?: string };
}

describe('serve --stately', () => {
  it("should stream a running saga's inspection events in @statelyai/inspect's format", async () => {
    const receiver = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => receiver.once('listening', resolve));
    const frames: InspectionFrame[] = [];
    receiver.on('connection', (socket) =>
      socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as InspectionFrame)),
    );
    const address = receiver.address();
    const wsUrl = `ws://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

    const { server, url, output } = await serveProcess([`--stately=${wsUrl}`]);
    try {
      expect(output).toContain(`streaming inspection events to ${wsUrl}`);
      const run = spawnSync(
        process.execPath,
        [BIN, 'run', 'quick', '--input', '{"outcome":"complete"}', '--url', url],
        { encoding: 'utf8', timeout: 90_000 },
      );
      expect(run.status).toBe(0);
      await until(() => frames.some((f) => f.snapshot?.value === 'Completed'));
    } finally {
      server.kill('SIGTERM');
      receiver.close();
    }
    const types = new Set(frames.map((f) => f.type));
    expect([...types].sort()).toEqual(expect.arrayContaining(['@xstate.actor', '@xstate.event', '@xstate.snapshot']));
    expect(frames.every((f) => typeof f.sessionId === 'string')).toBe(true);
    expect(frames.some((f) => f.type === '@xstate.snapshot' && f.snapshot?.value === 'Completed')).toBe(true);
  });
});
