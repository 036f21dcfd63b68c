import { PermanentError } from '../../src/index.js';

/**
 * What a participant service keeps: effects recorded by idempotency key, so a
 * step re-run after a crash applies its effect once, as a real participant would.
 */
export interface EffectLedger<TEntry> {
  /**
   * Applies `make()` once per key; a repeat returns the first result. Refuses
   * (throws) a key whose compensation already ran: a late command must not
   * re-apply an effect that was undone (or never to be applied).
   */
  apply(key: string, make: () => TEntry, fence?: number): TEntry;
  /**
   * Undoes the effect recorded under `key`, once; false when there was nothing
   * to undo. An undo for a key never applied is remembered, so its late apply is refused.
   *
   * Both take the call's `ctx.fence`: the ledger keeps the highest fence it has seen for
   * the key and refuses (StaleFenceError) a call with a lower one — it comes from an
   * engine that stalled, lost its lease and was replaced by one that already called.
   */
  undo(key: string, fence?: number): boolean;
  /** Effects applied and not undone. */
  active(): TEntry[];
  /** Whether the effect recorded under `key` is applied and not undone. */
  has(key: string): boolean;
}

/** A participant's refusal of a command whose compensation already ran (never retried). */
export class CompensatedError extends PermanentError {
  constructor(key: string) {
    super(`"${key}" was already compensated: the late command is refused`);
  }
}

/** A participant's refusal of a call from an engine that was replaced (its fence is lower than one seen). */
export class StaleFenceError extends PermanentError {
  constructor(key: string, fence: number, seen: number) {
    super(`"${key}" was called with fence ${fence} after fence ${seen}: a stale engine's call is refused`);
  }
}

/** An in-memory ledger: the examples' default participant state. */
export class Ledger<TEntry> implements EffectLedger<TEntry> {
  private readonly entries = new Map<string, TEntry>();
  private readonly undone = new Set<string>();
  private readonly fences = new Map<string, number>();

  /** Keeps the highest fence seen for the key; refuses a lower one. */
  private fenced(key: string, fence: number | undefined): void {
    if (fence === undefined) return;
    const seen = this.fences.get(key) ?? 0;
    if (fence < seen) throw new StaleFenceError(key, fence, seen);
    this.fences.set(key, fence);
  }

  apply(key: string, make: () => TEntry, fence?: number): TEntry {
    this.fenced(key, fence);
    if (this.undone.has(key)) throw new CompensatedError(key);
    const existing = this.entries.get(key);
    if (existing !== undefined) return existing;
    const entry = make();
    this.entries.set(key, entry);
    return entry;
  }

  undo(key: string, fence?: number): boolean {
    this.fenced(key, fence);
    if (this.undone.has(key)) return false;
    this.undone.add(key);
    return this.entries.has(key);
  }

  active(): TEntry[] {
    return [...this.entries].filter(([key]) => !this.undone.has(key)).map(([, entry]) => entry);
  }

  has(key: string): boolean {
    return this.entries.has(key) && !this.undone.has(key);
  }
}

/** Makes one ledger per participant; swap it to keep participant state elsewhere (e.g. SQLite). */
export type LedgerFactory = <TEntry>(name: string) => EffectLedger<TEntry>;

export const memoryLedgers: LedgerFactory = () => new Ledger();

/** The key of the step a compensation undoes. */
export const stepKeyOf = (compensationKey: string): string => compensationKey.replace(/:compensate$/, '');
