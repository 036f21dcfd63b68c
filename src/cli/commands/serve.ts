import { createWebSocketInspector } from '@statelyai/inspect';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SagaEngine } from '../../runtime/SagaEngine.js';
import { loadSagas } from '../../server/loadSagas.js';
import { parseCorsOrigin } from '../../server/originPolicy.js';
import { startServer } from '../../server/startServer.js';
import { databaseLabel, storeFor } from '../storeFor.js';
import { CliError } from '../CliError.js';
import { defaultMachinesDir, inspectorDir, str, type Command } from '../Command.js';
import { listenFailure } from '../listenFailure.js';
import { startOtlp } from '../otlp.js';
import { useDemoFaults } from '../demoFaults.js';
import { choreographyFileFor, followChoreographies } from '../followChoreographies.js';
import { connectNats, NO_NATS } from '../connectNats.js';
import { relayRemoteSteps } from '../relayRemoteSteps.js';
import { durationArg } from '../durationArg.js';

/** `--cors a,b` as canonical origins; a usage error naming the bad one. */
function corsOrigins(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
    .map((origin) => {
      try {
        return parseCorsOrigin(origin);
      } catch (error) {
        throw new CliError(`--cors: ${(error as Error).message}`, 1, true);
      }
    });
}

export const serve: Command = {
  name: 'serve',
  summary: 'run the HTTP API (and inspector) with the sagas in --machines',
  usage: `sagachart serve [--host 127.0.0.1] [--port 3000] [--db data/sagachart.db|postgres://…] [--machines DIR] [--auth writes|all]
                [--cors https://app.example.com,...] [--max-wait 30000] [--commit-window MS] [--commit-thread on|off] [--stately[=ws://localhost:8080]] [--otlp http://localhost:4318]
                [--nats nats://127.0.0.1:4222] [--choreography-db FILE] [--choreography-retention 7d]

--max-wait caps the ?wait=ms a request may ask for (start and wait in one request).
--commit-window lets a group commit wait up to MS (0-100) for executions that moved
recently, so writes from separate requests share one transaction (0: off).
--commit-thread (SQLite) commits on a worker thread of its own (on, the default): requests keep
being read and answered while a commit waits for the disk; off commits on the main thread.
--db (or SAGACHART_DB) is a SQLite file, or a postgres:// URL for the PostgreSQL store.
--nats (or SAGACHART_NATS_URL) connects to NATS JetStream: the commands of remote steps are
relayed to participants (streams SAGACHART_COMMANDS / SAGACHART_REPLIES unless
SAGACHART_NATS_COMMAND_STREAM / _REPLY_STREAM / _REPLY_SUBJECT say otherwise), and the
choreographies the machines export (defineChoreography with a subject) are followed, their trackers kept in
--choreography-db (default: beside a SQLite --db, e.g. data/sagachart.choreographies.db;
data/choreographies.db for PostgreSQL). Finished instances (Completed, Compensated) older than
--choreography-retention (or SAGACHART_CHOREOGRAPHY_RETENTION: 7d, 12h, 30m; off keeps them;
default 7d) are deleted from it when serve starts and every hour.
--otlp (or OTEL_EXPORTER_OTLP_ENDPOINT) sends traces and metrics over OTLP/HTTP
(Jaeger, Grafana Tempo, an OpenTelemetry Collector).
--stately also streams XState inspection events to a WebSocket server in
@statelyai/inspect's format (e.g. @statelyai/inspect's inspector server), for Stately's tools.

Set SAGACHART_TOKEN to require "Authorization: Bearer <token>" on mutating routes
(--auth all: on reads too). Browsers may call the API only from the server's own pages
(the inspector) and from the origins listed with --cors; writes must be application/json;
on a loopback --host, requests must name localhost, 127.0.0.1 or [::1] as Host.
Stops gracefully on SIGINT/SIGTERM; executions stay resumable.`,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '3000' },
    auth: { type: 'string', default: 'writes' },
    cors: { type: 'string' },
    'max-wait': { type: 'string', default: '30000' },
    'commit-window': { type: 'string' },
    'commit-thread': { type: 'string', default: 'on' },
    stately: { type: 'string' },
    otlp: { type: 'string' },
    nats: { type: 'string' },
    'choreography-db': { type: 'string' },
    'choreography-retention': { type: 'string' },
  },
  optionalValues: { stately: 'ws://localhost:8080' },
  async run(_, values, { out, err }) {
    const port = Number(str(values, 'port'));
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be 0-65535', 1, true);
    const auth = str(values, 'auth');
    if (auth !== 'writes' && auth !== 'all') throw new CliError('--auth must be writes or all', 1, true);
    const cors = corsOrigins(str(values, 'cors'));
    const maxWait = Number(str(values, 'max-wait'));
    if (!Number.isInteger(maxWait) || maxWait < 0)
      throw new CliError('--max-wait must be a whole number of ms', 1, true);
    const windowArg = str(values, 'commit-window');
    const commitWindow = windowArg === undefined ? undefined : Number(windowArg);
    if (commitWindow !== undefined && !(commitWindow >= 0 && commitWindow <= 100))
      throw new CliError('--commit-window must be a number of ms from 0 to 100', 1, true);
    const retentionFlag = str(values, 'choreography-retention');
    const retentionArg = retentionFlag ?? process.env['SAGACHART_CHOREOGRAPHY_RETENTION'];
    const retentionMs = retentionArg === undefined ? undefined : durationArg(retentionArg);
    if (retentionArg !== undefined && retentionMs === undefined) {
      const source = retentionFlag === undefined ? 'SAGACHART_CHOREOGRAPHY_RETENTION' : '--choreography-retention';
      throw new CliError(`${source} must be a period such as 7d, 12h or 30m, or off (got "${retentionArg}")`, 1, true);
    }
    const commitThread = str(values, 'commit-thread');
    if (commitThread !== 'on' && commitThread !== 'off')
      throw new CliError('--commit-thread must be on or off', 1, true);
    const given = str(values, 'db') ?? process.env['SAGACHART_DB'];
    const db = given ?? join('data', 'sagachart.db');
    if (given === undefined) mkdirSync(dirname(db), { recursive: true });
    // The example participants read their healed fault switches beside this database.
    useDemoFaults(db);
    const sagas = await loadSagas(str(values, 'machines') ?? defaultMachinesDir());
    // Telemetry first: the engine's instruments come from the providers registered now.
    const otlpUrl = str(values, 'otlp') ?? process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    const stopOtlp = otlpUrl === undefined ? undefined : await startOtlp(otlpUrl);
    const statelyUrl = str(values, 'stately');
    const stately = statelyUrl === undefined ? undefined : createWebSocketInspector({ url: statelyUrl });
    const store = await storeFor(db, { commitThread: commitThread === 'on' });
    const engine = new SagaEngine({
      store,
      sagas,
      ...(commitWindow === undefined ? {} : { groupCommitWindowMs: commitWindow }),
      ...(stately === undefined ? {} : { inspect: stately.inspect }),
    });
    const report = await engine.start();
    for (const refused of report.refused) err(`not resumed: ${refused.id}: ${refused.error.message}`);
    const natsUrl = str(values, 'nats') ?? process.env['SAGACHART_NATS_URL'];
    const nats = natsUrl === undefined ? { why: NO_NATS } : await connectNats(natsUrl);
    const choreographies = await followChoreographies(sagas.choreographies ?? [], {
      file: str(values, 'choreography-db') ?? choreographyFileFor(db),
      connection: nats.connection,
      why: nats.why,
      onError: (error) => err(`choreography monitor: ${(error as Error).message}`),
      retentionMs,
    });
    const relay = await relayRemoteSteps(engine, nats.connection, nats.why, (error) =>
      err(`remote steps relay: ${(error as Error).message}`),
    );
    const token = process.env['SAGACHART_TOKEN'];
    const host = str(values, 'host') ?? '127.0.0.1';
    const running = await startServer({
      engine,
      host,
      port,
      token,
      authAll: auth === 'all',
      cors,
      maxWaitMs: maxWait,
      staticDir: inspectorDir(),
      choreographies: choreographies.board,
    }).catch(async (error: unknown) => {
      // Not serving: let go of the store (and its lock) before saying why.
      await relay.stop();
      await choreographies.stop();
      await nats.connection?.close();
      await engine.stop();
      await stopOtlp?.();
      stately?.stop();
      throw listenFailure(error, host, port, '--port N');
    });
    // CLI commands on this file find the server in its lock and go through it.
    store.announce?.(running.url);
    const where = databaseLabel(db);
    out(`sagachart serving ${sagas.length} saga(s) on ${running.url} (db ${where}, resumed ${report.resumed})`);
    if (otlpUrl !== undefined) out(`sending traces and metrics to ${otlpUrl}`);
    if (statelyUrl !== undefined) out(`streaming inspection events to ${statelyUrl}`);
    choreographies.lines.forEach(out);
    relay.lines.forEach(out);
    out(inspectorDir() === undefined ? 'inspector not built (npm run build)' : `inspector: ${running.url}/`);
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        out(`${signal}: stopping; unfinished executions stay resumable`);
        void running
          .close()
          .then(() => relay.stop())
          .then(() => choreographies.stop())
          .then(() => nats.connection?.close())
          .then(() => stopOtlp?.())
          .then(() => {
            stately?.stop();
            resolve();
          });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
    return 0;
  },
};
