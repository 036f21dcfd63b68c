import Database from 'better-sqlite3';

/** The order saga's steps and the participant ledger each one's effect lands in. */
export const STEP_LEDGERS = [
  ['createOrder', 'orders'],
  ['processPayment', 'payments'],
  ['reserveStock', 'reservations'],
  ['createShipment', 'shipments'],
] as const;

/** An effect a participant applied: `undone_at` is null while it stands. */
export interface AppliedEffect {
  readonly undone_at: number | null;
}

/** The participants' own ledger file (test/fixtures/sqliteLedgers.ts), opened read-only after a crash test. */
export interface LedgerReader {
  readonly db: Database.Database;
  /** The effect applied for `key` in `ledger`, or undefined when none was. */
  effect(ledger: string, key: string): AppliedEffect | undefined;
  close(): void;
}

/** Opens the ledger that the crash tests' worker processes wrote, to check what really happened. */
export function readLedger(file: string): LedgerReader {
  const db = new Database(file, { readonly: true });
  db.pragma('busy_timeout = 5000');
  // applied_at = 0 marks a tombstone: an undo for a key never applied.
  const effect = db.prepare('SELECT undone_at FROM effects WHERE ledger = ? AND key = ? AND applied_at > 0');
  return {
    db,
    effect: (ledger, key) => effect.get(ledger, key) as AppliedEffect | undefined,
    close: () => db.close(),
  };
}
