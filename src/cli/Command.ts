import type { ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeHolder } from '../store/sqliteLock.js';
import { sqliteFileHolder } from '../store/sqliteStore.js';
import { CliError } from './CliError.js';
import { localClient } from './localClient.js';
import { databaseLabel, isPostgresUrl } from './storeFor.js';
import { useDemoFaults } from './demoFaults.js';
import { remoteClient } from './remoteClient.js';
import type { SagaClient } from './SagaClient.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** The options every command takes. */
export const COMMON_OPTIONS: OptionSpec = {
  db: { type: 'string' },
  machines: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export const COMMON_HELP = `Common options:
  --db FILE         SQLite file (default data/sagachart.db, under the current directory)
  --machines DIR    folder of saga modules, .js or .ts (default: the example sagas)
  --url URL         talk to a running server instead of the SQLite file
  --token TOKEN     bearer token for --url (default $SAGACHART_TOKEN)
  --json            machine-readable output
  -h, --help        this help`;

/** The options of commands that read saga definitions only (paths, test): no database, no server. */
export const DEFINITION_OPTIONS: OptionSpec = {
  machines: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export const DEFINITION_HELP = `Options:
  --machines DIR    folder of saga modules, .js or .ts (default: the example sagas)
  --json            machine-readable output
  -h, --help        this help`;

/** Commands that never open the database nor a server: their help lists no --db, --url or --token. */
export const DEFINITION_COMMANDS: readonly string[] = ['paths', 'test'];

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** One CLI verb, in a file of its own under src/cli/commands/. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options?: OptionSpec;
  /** String options that may also be given bare (`--stately`), with the value they then take. */
  readonly optionalValues?: Record<string, string>;
  /** Replaces the common options (and their help) for a command that uses none of them. */
  readonly baseOptions?: { readonly options: OptionSpec; readonly help: string };
  run(positionals: string[], values: Values, io: CommandIO): Promise<number>;
}

export const str = (values: Values, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

/** The example sagas shipped beside this file: machines/ from src, dist/machines from dist. */
export function defaultMachinesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidate = join(here, '..', '..', 'machines');
  return existsSync(candidate) ? candidate : join(process.cwd(), 'machines');
}

export { inspectorDir } from '../server/inspectorDir.js';

/**
 * The server to talk to: --url, or the server that holds the SQLite file
 * (one engine per file; a holder that serves nothing is an error). Undefined:
 * use the database itself.
 */
export function serverFor(
  values: Values,
  io?: Pick<CommandIO, 'err'>,
): { url: string; token: string | undefined } | undefined {
  const url = str(values, 'url');
  const token = str(values, 'token') ?? process.env['SAGACHART_TOKEN'];
  if (url !== undefined) return { url, token };
  const file = str(values, 'db') ?? process.env['SAGACHART_DB'] ?? join('data', 'sagachart.db');
  const holder = isPostgresUrl(file) ? undefined : sqliteFileHolder(file);
  if (holder === undefined) return undefined;
  if (holder.address === null) {
    throw new CliError(
      `${file} is held by another engine (${describeHolder(holder)}): stop it, or point --url at its server`,
    );
  }
  io?.err(`${file} is held by the server at ${holder.address} (pid ${holder.pid}): using it`);
  return { url: holder.address, token };
}

/**
 * A client for the server at --url, or for the local SQLite file — through the
 * server that holds the file when one does (one engine per file).
 */
export async function openClient(values: Values, io?: Pick<CommandIO, 'err'>): Promise<SagaClient> {
  const server = serverFor(values, io);
  if (server !== undefined) return remoteClient(server.url, server.token);
  const db = str(values, 'db') ?? process.env['SAGACHART_DB'];
  const file = db ?? join('data', 'sagachart.db');
  // A file is relative to the working directory: say which file that is, every time.
  io?.err(`database: ${databaseLabel(file)}`);
  useDemoFaults(file);
  const machines = str(values, 'machines') ?? defaultMachinesDir();
  const client = await localClient({ db: file, machines, createDir: db === undefined });
  const sagas = client.engine.sagas().map((s) => `${s.name} v${s.version}`);
  const shown = relative(process.cwd(), machines);
  io?.err(
    `sagas: ${sagas.join(', ')} (from ${shown === '' ? '.' : shown.startsWith('..') ? resolve(machines) : shown})`,
  );
  return client;
}

/** Runs `fn` with a client and always closes it. */
export async function withClient<T>(
  values: Values,
  io: Pick<CommandIO, 'err'>,
  fn: (client: SagaClient) => Promise<T>,
): Promise<T> {
  const client = await openClient(values, io);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
