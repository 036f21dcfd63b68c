import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SagaDefinitionError } from '../definition/errors.js';
import type { AnySagaDefinition } from '../definition/types.js';
import type { ChoreographyDefinition } from '../choreography/defineChoreography.js';

const isDefinition = (value: unknown): value is AnySagaDefinition =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as AnySagaDefinition).hash === 'string' &&
  typeof (value as AnySagaDefinition).name === 'string' &&
  Array.isArray((value as AnySagaDefinition).steps);

const isChoreography = (value: unknown): value is ChoreographyDefinition =>
  typeof value === 'object' &&
  value !== null &&
  (value as ChoreographyDefinition).kind === 'choreography' &&
  typeof (value as ChoreographyDefinition).name === 'string';

const isTypeScript = (name: string) => ['.ts', '.mts', '.cts'].includes(extname(name)) && !/\.d\.[mc]?ts$/.test(name);

type Importer = (file: string) => Promise<Record<string, unknown>>;

const importNative: Importer = (file) => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>;

/**
 * Imports a TypeScript module: natively when the process can (tsx, vitest,
 * Node's type stripping), else through tsx's `tsImport` (scoped: it registers
 * no global hooks). Says what to do when neither works.
 */
async function importTypeScript(file: string): Promise<Record<string, unknown>> {
  try {
    return await importNative(file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  let tsImport: (specifier: string, parent: string) => Promise<unknown>;
  try {
    ({ tsImport } = (await import('tsx/esm/api')) as { tsImport: typeof tsImport });
  } catch (cause) {
    throw new SagaDefinitionError(
      `${file} is TypeScript, and this process cannot load it: install tsx beside sagachart ` +
        '(npm install --save-dev tsx), run with node --import tsx, or compile the sagas to .js',
      'machines-folder',
      { cause },
    );
  }
  return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
}

/** What `loadSagas` found: the definitions, and the files they came from. */
export interface LoadedSagas extends Array<AnySagaDefinition> {
  /** `name@version` → the file that exported it. */
  readonly files?: ReadonlyMap<string, string>;
  /** The choreographies the modules export beside their sagas (`defineChoreography`). */
  readonly choreographies?: readonly ChoreographyDefinition[];
}

/**
 * Imports every module directly in `dir` (.js and .mjs, and .ts/.mts through
 * tsx when the process does not load TypeScript itself) and collects the saga
 * definitions they export, and the choreographies beside them.
 */
export async function loadSagas(dir: string): Promise<LoadedSagas> {
  const folder = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (cause) {
    throw new SagaDefinitionError(`Cannot read the sagas folder ${folder}`, 'machines-folder', { cause });
  }
  const modules = names
    .sort()
    .filter((name) => ['.js', '.mjs'].includes(extname(name)) || isTypeScript(name))
    .filter((name) => statSync(join(folder, name)).isFile());
  const found = new Map<string, AnySagaDefinition>();
  const files = new Map<string, string>();
  const choreographies = new Map<string, ChoreographyDefinition>();
  for (const name of modules) {
    const file = join(folder, name);
    let module: Record<string, unknown>;
    try {
      module = isTypeScript(name) ? await importTypeScript(file) : await importNative(file);
    } catch (cause) {
      if (cause instanceof SagaDefinitionError) throw cause;
      throw new SagaDefinitionError(`Cannot load ${file}: ${(cause as Error).message}`, 'machines-folder', { cause });
    }
    for (const value of Object.values(module)) {
      if (isDefinition(value)) {
        found.set(`${value.name}@${value.version}`, value);
        files.set(`${value.name}@${value.version}`, name);
      }
      if (isChoreography(value)) {
        const other = choreographies.get(value.name);
        if (other !== undefined && other !== value) {
          throw new SagaDefinitionError(
            `Two choreographies are named "${value.name}" (the second in ${file}): each name must mean one`,
            'machines-folder',
          );
        }
        choreographies.set(value.name, value);
      }
    }
  }
  if (found.size === 0) {
    const looked = modules.length === 0 ? 'no .js, .mjs or .ts modules' : `none in ${modules.join(', ')}`;
    throw new SagaDefinitionError(`No saga definitions found in ${folder} (${looked})`, 'machines-folder');
  }
  return Object.assign([...found.values()], { files, choreographies: [...choreographies.values()] });
}
