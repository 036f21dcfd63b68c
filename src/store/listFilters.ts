import { SagaInputError } from '../definition/errors.js';
import type { ListQuery } from './SagaStore.js';

const SEGMENT = /^(?:[A-Za-z_$][\w$-]*|\d+)$/;

function refuse(field: string, message: string): never {
  throw new SagaInputError(message, [{ path: [field], message, code: `invalid_${field}` }]);
}

/**
 * The keys of a dotted input field path (`customer.id`, `items.0.sku`): names
 * and array indexes only, so every store can put them in its JSON path safely.
 *
 * @internal
 */
export function inputFieldPath(query: ListQuery): string[] | undefined {
  if (query.inputField === undefined) return undefined;
  const { path } = query.inputField;
  const keys = path.split('.');
  if (path === '' || path.length > 200 || !keys.every((k) => SEGMENT.test(k))) {
    refuse(
      'inputField',
      `Invalid input field "${path}": use dotted names and indexes, e.g. customer.id or items.0.sku`,
    );
  }
  return keys;
}

/**
 * The JSON texts an input field may have to match `value`: the string itself,
 * and when `value` reads as a JSON number, boolean or null, that literal too
 * (`amount=40` finds 40, `vip=true` finds true, `orderId=A1` finds "A1").
 *
 * @internal
 */
export function inputFieldCandidates(value: string): [string, string] {
  let literal: unknown;
  try {
    literal = JSON.parse(value);
  } catch {
    literal = undefined;
  }
  const asJson = typeof literal === 'number' || typeof literal === 'boolean' || literal === null;
  const quoted = JSON.stringify(value);
  return [quoted, asJson ? JSON.stringify(literal) : quoted];
}

/** The SQLite JSON path of an input field inside the persisted snapshot. @internal */
export const sqliteInputPath = (keys: readonly string[]): string =>
  `$.context.input${keys.map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`)).join('')}`;

/** Whether an execution's input (from its snapshot) matches the query's input field. @internal */
export function inputMatches(snapshot: string, keys: readonly string[], value: string): boolean {
  let at: unknown = (JSON.parse(snapshot) as { context?: { input?: unknown } }).context?.input;
  for (const key of keys) {
    if (typeof at !== 'object' || at === null) return false;
    at = (at as Record<string, unknown>)[key];
  }
  return at !== undefined && inputFieldCandidates(value).includes(JSON.stringify(at));
}

/** The statuses of executions that can be stuck: the ones still moving. @internal */
export const UNFINISHED_STATUSES = ['Running', 'Compensating'] as const;
