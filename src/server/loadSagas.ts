import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SagaDefinitionError } from '../definition/errors.js';
import type { AnySagaDefinition } from '../definition/types.js';

const isDefinition = (value: unknown): value is AnySagaDefinition =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as AnySagaDefinition).hash === 'string' &&
  typeof (value as AnySagaDefinition).name === 'string' &&
  Array.isArray((value as AnySagaDefinition).steps);

/**
 * Imports every module directly in `dir` (.js and .mjs; .ts too when the
 * process can load TypeScript) and collects the saga definitions they export.
 */
export async function loadSagas(dir: string): Promise<AnySagaDefinition[]> {
  const folder = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (cause) {
    throw new SagaDefinitionError(`Cannot read the sagas folder ${folder}`, 'machines-folder', { cause });
  }
  const canLoadTs = process.execArgv.some((a) => a.includes('tsx')) || process.env['VITEST'] !== undefined;
  const extensions = canLoadTs ? ['.js', '.mjs', '.ts'] : ['.js', '.mjs'];
  const found = new Map<string, AnySagaDefinition>();
  for (const name of names.sort()) {
    const file = join(folder, name);
    if (!extensions.includes(extname(name)) || name.endsWith('.d.ts') || !statSync(file).isFile()) continue;
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (isDefinition(value)) found.set(`${value.name}@${value.version}`, value);
    }
  }
  if (found.size === 0) {
    throw new SagaDefinitionError(`No saga definitions found in ${folder}`, 'machines-folder');
  }
  return [...found.values()];
}
