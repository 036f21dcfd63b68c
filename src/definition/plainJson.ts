import { SagaInputError, type InputIssue } from './errors.js';

/**
 * What a value that crosses the engine's boundary (input, event data, cancel
 * reasons, step outputs) may be: plain JSON, nested at most `maxDepth` deep,
 * at most `maxBytes` long once serialised.
 */
export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxBytes: number;
}

/** The documented limits: 64 levels of nesting, 1 MiB of JSON. */
export const JSON_LIMITS: JsonLimits = { maxDepth: 64, maxBytes: 1024 * 1024 };

/** Where a value sits, as a readable path: `input.items[3].sku`. */
function pathText(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    root,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (value instanceof Date) return 'a Date (pass an ISO string; the schema may coerce it)';
  if (value instanceof Map || value instanceof Set) return `a ${value instanceof Map ? 'Map' : 'Set'}`;
  const proto: unknown = Object.getPrototypeOf(value);
  const name = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name.length > 0 ? `a ${name} instance` : 'an object that is not plain';
}

/**
 * The first reason `value` is not plain JSON within `limits`, as an issue with
 * its path; undefined when it is. Never throws, whatever the value (cycles,
 * getters that throw, proxies, objects without a prototype chain to Object).
 *
 * Plain JSON: null, booleans, finite numbers, strings, arrays and objects whose
 * prototype is Object.prototype or null. `undefined` is allowed where JSON
 * drops it (an object property); it is refused as an array element or at the root.
 *
 * @internal
 */
export function plainJsonIssue(value: unknown, limits: JsonLimits = JSON_LIMITS): InputIssue | undefined {
  const ancestors = new Set<object>();
  let bytes = 0;
  const path: PropertyKey[] = [];
  const issue = (message: string, code: string): InputIssue => ({ path: [...path], message, code });

  const visit = (node: unknown, depth: number, inArray: boolean): InputIssue | undefined => {
    if (node === null || typeof node === 'boolean') {
      bytes += 5;
      return undefined;
    }
    if (typeof node === 'string') {
      bytes += node.length + 2;
      return bytes > limits.maxBytes ? issue(`is over the ${limits.maxBytes}-byte limit`, 'too_big') : undefined;
    }
    if (typeof node === 'number') {
      bytes += 8;
      return Number.isFinite(node) ? undefined : issue(`is ${describe(node)}, which JSON cannot hold`, 'not_json');
    }
    if (node === undefined) {
      return inArray || path.length === 0 ? issue('is undefined, which JSON cannot hold', 'not_json') : undefined;
    }
    if (typeof node !== 'object') return issue(`is ${describe(node)}, which JSON cannot hold`, 'not_json');
    if (depth >= limits.maxDepth) return issue(`nests deeper than ${limits.maxDepth} levels`, 'too_deep');
    if (ancestors.has(node)) return issue('refers back to itself (a cycle)', 'not_json');
    const isArray = Array.isArray(node);
    if (!isArray) {
      const proto: unknown = Object.getPrototypeOf(node);
      if (proto !== Object.prototype && proto !== null)
        return issue(`is ${describe(node)}, not plain JSON`, 'not_json');
      if ('toJSON' in node) return issue('has a toJSON method, not plain JSON', 'not_json');
    }
    ancestors.add(node);
    const keys = isArray ? node.map((_, i) => i) : Object.keys(node);
    bytes += 2;
    for (const key of keys) {
      path.push(key);
      bytes += typeof key === 'string' ? key.length + 3 : 1;
      const child = (node as Record<PropertyKey, unknown>)[key];
      const found = bytes > limits.maxBytes ? issue(`is over the ${limits.maxBytes}-byte limit`, 'too_big') : undefined;
      const nested = found ?? visit(child, depth + 1, isArray);
      path.pop();
      if (nested !== undefined) return nested;
    }
    ancestors.delete(node);
    return undefined;
  };

  try {
    return visit(value, 0, false);
  } catch (error) {
    // A getter or a proxy trap threw while we looked.
    return issue(`cannot be read: ${safeMessage(error)}`, 'not_json');
  }
}

/**
 * Throws a SagaInputError naming where `value` stops being plain JSON within
 * the limits. `root` names the value in messages (`input`, `data`, `reason`).
 *
 * @internal
 */
export function assertPlainJson(
  value: unknown,
  root: string,
  subject: string,
  context: { executionId?: string; step?: string } = {},
): void {
  const found = plainJsonIssue(value);
  if (found === undefined) return;
  const issue = { ...found, path: [root, ...found.path] };
  throw new SagaInputError(`${subject}: ${pathText(root, found.path)} ${found.message}`, [issue], context);
}

/**
 * A deep copy of a value already known to be plain JSON (objects, arrays and
 * primitives): several times cheaper than a JSON round trip or structuredClone.
 *
 * @internal
 */
export function copyJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => copyJson(item)) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyJson((value as Record<string, unknown>)[key]);
  return copy as T;
}

/**
 * A printable text for any thrown or given value: never throws, never huge.
 *
 * @internal
 */
export function safeMessage(value: unknown, maxLength = 2_000): string {
  let text: string;
  try {
    if (typeof value === 'string') text = value;
    else if (value instanceof Error) text = safeMessage(value.message, maxLength);
    else if (typeof value === 'object' && value !== null) {
      const message = (value as { message?: unknown }).message;
      text = typeof message === 'string' ? message : Object.prototype.toString.call(value);
    } else text = String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

/**
 * The name of a thrown value when it is an Error with a string name, else `Error`.
 *
 * @internal
 */
export function errorName(error: unknown): string {
  try {
    const name = error instanceof Error ? error.name : undefined;
    return typeof name === 'string' && name.length > 0 ? name.slice(0, 200) : 'Error';
  } catch {
    return 'Error';
  }
}
