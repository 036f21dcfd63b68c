import type { ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeHolder } from '../store/sqliteLock.js';
import { sqliteFileHolder } from '../store/sqliteStore.js';
import { CliError } from './CliError.js';
import { localClient } from './localClient.js';
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
  --db FILE         SQLite file (default data/sagachart.db)
  --machines DIR    folder of saga modules (default: the example sagas)
  --url URL         talk to a running server instead of the SQLite file
  --token TOKEN     bearer token for --url (default $SAGACHART_TOKEN)
  --json            machine-readable output
  -h, --help        this help`;

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

/** The bundled inspector (inspector/dist beside the package), if it was built. */
export function inspectorDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, '..', '..', 'inspector', 'dist'),
    join(here, '..', '..', '..', 'inspector', 'dist'),
  ]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

/**
 * A client for the server at --url, or for the local SQLite file — through the
 * server that holds the file when one does (one engine per file).
 */
export async function openClient(values: Values, io?: Pick<CommandIO, 'err'>): Promise<SagaClient> {
  const url = str(values, 'url');
  const token = str(values, 'token') ?? process.env['SAGACHART_TOKEN'];
  if (url !== undefined) return remoteClient(url, token);
  const db = str(values, 'db');
  const file = db ?? join('data', 'sagachart.db');
  const holder = sqliteFileHolder(file);
  if (holder !== undefined) {
    if (holder.address === null) {
      throw new CliError(
        `${file} is held by another engine (${describeHolder(holder)}): stop it, or point --url at its server`,
      );
    }
    io?.err(`${file} is held by the server at ${holder.address} (pid ${holder.pid}): using it`);
    return remoteClient(holder.address, token);
  }
  return localClient({
    db: file,
    machines: str(values, 'machines') ?? defaultMachinesDir(),
    createDir: db === undefined,
  });
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
