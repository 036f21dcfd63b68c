import type { Values } from '../Command.js';

const CONNECTION = ['url', 'db', 'machines'] as const;

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * A command line to suggest, keeping the options that chose where the
 * executions live (--url, --db, --machines) and any `keep` options given,
 * so a copied hint talks to the same place.
 *
 * @example
 * commandHint(values, ['ls', '--cursor', next], ['since', 'status', 'saga']);
 * // 'sagachart ls --cursor eyJ… --url http://127.0.0.1:3000 --since 60'
 */
export function commandHint(values: Values, args: readonly string[], keep: readonly string[] = []): string {
  const parts = ['sagachart', ...args.map(shellQuote)];
  for (const name of [...CONNECTION, ...keep]) {
    const value = values[name];
    if (typeof value === 'string') parts.push(`--${name}`, shellQuote(value));
    else if (value === true) parts.push(`--${name}`);
  }
  return parts.join(' ');
}
