import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built inspector's folder (inspector/dist beside the package), to serve
 * as `staticDir`; undefined when it was not built.
 */
export function inspectorDir(): string | undefined {
  // src/server in development, dist/src/server when built: both two or three levels under the package.
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, '..', '..', 'inspector', 'dist'),
    join(here, '..', '..', '..', 'inspector', 'dist'),
  ]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}
