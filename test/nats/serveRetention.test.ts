import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTrackerFile } from '../../src/choreography/trackerFile.js';
import { BIN, ROOT, serveProcess } from '../fixtures/serveProcess.js';
import { CHOREOGRAPHY_MACHINES } from '../fixtures/choreographyServer.js';
import { NATS_URL, natsAvailable, natsNames } from '../fixtures/nats.js';

const available = await natsAvailable();
const servers: ChildProcess[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.kill('SIGTERM');
});

const HOUR = 3_600_000;

/** A trackers file holding test-orders instances that finished (or not) some hours ago. */
function trackersFile(rows: [id: string, status: string, hoursAgo: number][]): string {
  const file = join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'serve-retention-')), 'trackers.db');
  const db = openTrackerFile(file);
  const insert = db.prepare(
    `INSERT INTO choreography_trackers (choreography, correlation_id, state, context, status, flagged, due_at, updated_at, last_seq)
     VALUES ('test-orders', ?, '"Completed"', '{"completed":[],"awaitingCompensation":[],"flags":[],"lastEvent":null}', ?, 0, NULL, ?, 0)`,
  );
  for (const [id, status, hoursAgo] of rows) insert.run(id, status, Date.now() - hoursAgo * HOUR);
  db.close();
  return file;
}

const instances = (file: string) => {
  const db = openTrackerFile(file);
  const ids = db
    .prepare<[], { correlation_id: string }>('SELECT correlation_id FROM choreography_trackers ORDER BY 1')
    .all()
    .map((r) => r.correlation_id);
  db.close();
  return ids;
};

describe('sagachart serve --choreography-retention', () => {
  it.each([
    [
      ['--choreography-retention', '7'],
      {},
      '--choreography-retention must be a period such as 7d, 12h or 30m, or off (got "7")',
    ],
    [[], { SAGACHART_CHOREOGRAPHY_RETENTION: 'a week' }, 'SAGACHART_CHOREOGRAPHY_RETENTION must be a period'],
  ])('should refuse a period it cannot read, naming it: %j %j', (args, env, message) => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...env },
    });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(message);
  });

  it.skipIf(!available)(
    'should delete the finished instances older than the period when it starts following',
    async () => {
      const names = natsNames();
      const file = trackersFile([
        ['done-2h', 'Completed', 2],
        ['undone-2h', 'Compensated', 2],
        ['done-30m', 'Completed', 0.5],
        ['running-2h', 'Running', 2],
      ]);
      const started = await serveProcess(
        [
          '--machines',
          CHOREOGRAPHY_MACHINES,
          '--nats',
          `nats://${NATS_URL.replace(/^nats:\/\//, '')}`,
          '--choreography-db',
          // Given relative (serve runs in ROOT): printed absolute, like the database.
          relative(ROOT, file),
          '--choreography-retention',
          '1h',
        ],
        { SAGACHART_TEST_SUBJECT: `${names.prefix}.orders.events`, SAGACHART_TEST_STREAM: names.commandStream },
      );
      servers.push(started.server);
      expect(started.output).toContain(`choreography trackers: ${file}`);
      expect(instances(file)).toEqual(['done-30m', 'running-2h']);
    },
  );
});
