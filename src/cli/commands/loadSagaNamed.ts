import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnySagaDefinition } from '../../definition/types.js';
import { loadSagas } from '../../server/loadSagas.js';
import { CliError } from '../CliError.js';
import { defaultMachinesDir, str, type Values } from '../Command.js';

/** The sagas in --machines (newest version of each). */
export async function loadAllSagas(values: Values): Promise<AnySagaDefinition[]> {
  const all = await loadSagas(str(values, 'machines') ?? defaultMachinesDir());
  const newest = new Map<string, AnySagaDefinition>();
  for (const saga of all) if ((newest.get(saga.name)?.version ?? 0) < saga.version) newest.set(saga.name, saga);
  return [...newest.values()];
}

/** The newest version of one saga in --machines, or a CliError listing the known ones. */
export async function loadSagaNamed(name: string, values: Values): Promise<AnySagaDefinition> {
  const all = await loadAllSagas(values);
  const saga = all.find((s) => s.name === name);
  if (saga === undefined) throw new CliError(`Unknown saga "${name}"; known: ${all.map((s) => s.name).join(', ')}`);
  return saga;
}

/** Sample input and event data for path tests: <samples>/<saga>.json, if there is one. */
export function loadSample(saga: string, values: Values): { input?: unknown; eventData?: Record<string, unknown> } {
  const dir =
    str(values, 'samples') ?? join(dirname(str(values, 'machines') ?? defaultMachinesDir()), 'data', 'samples');
  const candidates = [join(dir, `${saga}.json`), join(process.cwd(), 'data', 'samples', `${saga}.json`)];
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { input?: unknown; eventData?: Record<string, unknown> };
  } catch {
    throw new CliError(`${file} is not valid JSON`);
  }
}
