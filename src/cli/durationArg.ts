const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A period as people write it on a command line: `7d`, `12h`, `30m`, `90s`,
 * `500ms` (a unit is required: a bare `7` could mean days or milliseconds), or
 * `off` for none (Infinity). Undefined when the text is none of these.
 *
 * @example
 * durationArg('7d'); // 604800000
 * @internal
 */
export function durationArg(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off') return Number.POSITIVE_INFINITY;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value);
  if (match === null) return undefined;
  const ms = Number(match[1]) * (UNITS[match[2]!] ?? Number.NaN);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
