/**
 * A tiny in-process service state: records effects by idempotency key, so a
 * step re-run after a crash applies its effect once, as a real participant would.
 */
export class Ledger<TEntry> {
  private readonly entries = new Map<string, TEntry>();
  private readonly undone = new Set<string>();

  /** Applies `make()` once per key; a repeat returns the first result. */
  apply(key: string, make: () => TEntry): TEntry {
    const existing = this.entries.get(key);
    if (existing !== undefined) return existing;
    const entry = make();
    this.entries.set(key, entry);
    return entry;
  }

  /** Undoes the effect recorded under `key`, once. */
  undo(key: string): boolean {
    if (!this.entries.has(key) || this.undone.has(key)) return false;
    this.undone.add(key);
    return true;
  }

  /** Effects applied and not undone. */
  active(): TEntry[] {
    return [...this.entries].filter(([key]) => !this.undone.has(key)).map(([, entry]) => entry);
  }

  has(key: string): boolean {
    return this.entries.has(key) && !this.undone.has(key);
  }
}
