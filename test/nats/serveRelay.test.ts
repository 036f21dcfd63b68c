import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { participant, participantSqlite } from '../../src/participant.js';
import { serveProcess } from '../fixtures/serveProcess.js';
import { NATS_URL, natsAvailable, natsConnection, natsNames } from '../fixtures/nats.js';

const available = await natsAvailable();
const MACHINES = join(import.meta.dirname, '..', 'fixtures', 'remote-machines');
const servers: ChildProcess[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.kill('SIGTERM');
});

describe.skipIf(!available)('sagachart serve --nats and remote steps', () => {
  it("should relay the served sagas' commands to participants and finish them over HTTP", async () => {
    const names = natsNames();
    const { server, url, output } = await serveProcess(['--machines', MACHINES, '--nats', NATS_URL], {
      SAGACHART_TEST_PREFIX: names.prefix,
      SAGACHART_NATS_COMMAND_STREAM: names.commandStream,
      SAGACHART_NATS_REPLY_STREAM: names.replyStream,
      SAGACHART_NATS_REPLY_SUBJECT: names.replySubject,
    });
    servers.push(server);
    expect(output).toContain(
      `relaying remote steps over NATS: ${names.prefix}.shipping.create, ${names.prefix}.stock.release, ${names.prefix}.stock.reserve`,
    );
    const applied: string[] = [];
    const effects = new Database(join(mkdtempSync(join(tmpdir(), 'sagachart-relay-')), 'shop.db'));
    const shop = await participant({
      name: 'shop',
      connection: await natsConnection(),
      commandStream: names.commandStream,
      store: participantSqlite(effects),
      handlers: {
        [`${names.prefix}.stock.reserve`]: ({ payload }) => {
          applied.push(`reserve ${(payload as { sku: string }).sku}`);
          return { reservation: 'r-1' };
        },
        [`${names.prefix}.stock.release`]: () => void applied.push('release'),
        [`${names.prefix}.shipping.create`]: () => {
          applied.push('ship');
          return { tracking: 'z-9' };
        },
      },
    });
    try {
      const response = await fetch(`${url}/api/executions?wait=20000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ saga: 'remote-shop', input: { sku: 'SKU-1' } }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { status: string; results: Record<string, unknown> };
      expect(body.status).toBe('Completed');
      expect(body.results).toEqual({ reserve: { reservation: 'r-1' }, ship: { tracking: 'z-9' } });
      expect(applied).toEqual(['reserve SKU-1', 'ship']);
    } finally {
      await shop.stop();
      effects.close();
    }
  });

  it('should say, without NATS, that the remote steps are not relayed and their commands wait', async () => {
    const names = natsNames();
    const { server, output } = await serveProcess(['--machines', MACHINES], {
      SAGACHART_TEST_PREFIX: names.prefix,
      SAGACHART_NATS_URL: undefined,
    });
    servers.push(server);
    expect(output).toContain(`remote steps not relayed (${names.prefix}.shipping.create`);
    expect(output).toContain('their commands wait in the outbox');
  });
});
