import type { ChoreographyFlag } from './compileChoreography.js';

const same = (a: ChoreographyFlag, b: ChoreographyFlag) =>
  a.kind === b.kind && a.at === b.at && a.message === b.message;

/**
 * What one move of a tracker did to its flags: the kind of the flag it raised
 * (one at most), and the kinds of those it cleared, for its timeline line.
 *
 * @example
 * flagChanges([stuck], []); // { raised: null, cleared: ['stuck'] }
 * @internal
 */
export function flagChanges(
  before: readonly ChoreographyFlag[],
  after: readonly ChoreographyFlag[],
): { raised: ChoreographyFlag['kind'] | null; cleared: ChoreographyFlag['kind'][] } {
  const raised = after.find((f) => !before.some((b) => same(b, f)))?.kind ?? null;
  const cleared = before.filter((f) => !after.some((a) => same(a, f))).map((f) => f.kind);
  return { raised, cleared: [...new Set(cleared)] };
}
