import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SagaEngine } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { natsAvailable, natsNames } from '../fixtures/nats.js';
import { killRepeatedly, sleep, startWorker, type WorkerRun } from './processes.js';
import { remoteCrashSaga } from './remoteCrashPlan.js';

const WORKER = join(import.meta.dirname, 'remoteCrashWorker.ts');
const SAGAS = 200;
const MIN_ENGINE_KILLS = 8;
/** Engine kills before the participant first runs: its commands and timed-out attempts pile up. */
const UNANSWERED_KILLS = 4;
const available = await natsAvailable();

/** Runs the participant, SIGKILLing and restarting it every few hundred ms until `stop()`. */
function chaoticParticipant(args: string[]): { stop: () => Promise<number> } {
  let stopping = false;
  let current: WorkerRun | undefined;
  let kills = 0;
  const loop = (async () => {
    while (!stopping) {
      current = startWorker(args, WORKER);
      await current.ready;
      const ended = await Promise.race([current.exit, sleep(300 + Math.random() * 700).then(() => undefined)]);
      if (ended === undefined) {
        current.child.kill('SIGKILL');
        await current.exit;
        kills += 1;
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return kills;
    },
  };
}

describe.skipIf(!available)('remote steps across crashes', () => {
  it(`should lose no command and apply no effect twice over ${SAGAS} sagas while engine and participant are SIGKILLed`, async () => {
    const dir = mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'sagachart-remote-crash-'));
    const names = natsNames();
    const args = (role: string) => [
      role,
      dir,
      String(SAGAS),
      names.prefix,
      names.commandStream,
      names.replyStream,
      names.replySubject,
    ];

    // 1. Killed between the outbox write and any publish: the commands wait in the outbox.
    const outboxOnly = startWorker(args('outbox'), WORKER);
    await outboxOnly.printed(/started/);
    outboxOnly.child.kill('SIGKILL');
    await outboxOnly.exit;
    const engineDb = new Database(join(dir, 'engine.db'), { readonly: true });
    expect(engineDb.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: SAGAS });
    engineDb.close();

    // 2. The engine is killed repeatedly, first while no participant answers (so these kills cannot
    //    run out of work: a fast machine once finished all 200 sagas before the eighth kill), then
    //    while the participant is killed every few hundred ms (once mid-apply).
    const killAfter = () => 30 + Math.random() * 170;
    const unanswered = await killRepeatedly(args('engine'), UNANSWERED_KILLS, killAfter, WORKER, { finish: false });
    const participant = chaoticParticipant(args('participant'));
    const answered = await killRepeatedly(args('engine'), MIN_ENGINE_KILLS - UNANSWERED_KILLS, killAfter, WORKER);
    const participantKills = await participant.stop();
    expect(unanswered).toBe(UNANSWERED_KILLS);
    expect(answered).toBeGreaterThan(0);
    expect(participantKills).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'crashed-mid-apply'))).toBe(true);

    // 3. Every saga ended as planned; each effect applied at most once; nothing applied after its undo.
    const engine = new SagaEngine({
      store: sqliteStore(join(dir, 'engine.db')),
      sagas: [remoteCrashSaga(names.prefix)],
    });
    await engine.start();
    const effects = new Database(join(dir, 'participant.db'), { readonly: true });
    const rows = effects.prepare('SELECT rowid, key, kind FROM effects ORDER BY rowid').all() as {
      rowid: number;
      key: string;
      kind: string;
    }[];
    try {
      const seen = new Set<string>();
      for (const { key, kind } of rows) {
        expect(seen.has(`${key}/${kind}`), `${kind} of ${key} applied twice`).toBe(false);
        seen.add(`${key}/${kind}`);
      }
      for (let i = 0; i < SAGAS; i += 1) {
        const id = `r-${i}`;
        const view = await engine.get(id);
        const declined = i % 5 === 0;
        // A timed-out attempt (its reply stalled by the kills) is retried with the same key: it still completes.
        expect(view.status, id).toBe(declined ? 'Compensated' : 'Completed');
        const reserved = seen.has(`${id}:reserve/reserve`);
        const released = seen.has(`${id}:reserve:compensate/release`);
        if (view.status === 'Completed') {
          expect(reserved && seen.has(`${id}:charge/charge`) && !released, id).toBe(true);
        } else {
          // Compensated: a reservation that was applied was released, and the release came after it.
          expect(reserved, id).toBe(released);
          if (reserved) {
            const at = (kind: string, key: string) => rows.findIndex((r) => r.key === key && r.kind === kind);
            expect(at('reserve', `${id}:reserve`)).toBeLessThan(at('release', `${id}:reserve:compensate`));
          }
        }
      }
    } finally {
      effects.close();
      await engine.stop();
    }
  }, 600_000);
});
