import { PermanentError } from '../definition/errors.js';
import type { SagaPlan } from './sagaPlan.js';

/**
 * The context keeps the raw JSON a caller gave (input, event data); steps see
 * the schema's output. Parsing whenever a step context is built makes
 * `ctx.input` the same value on every run, resumed or not — a `z.coerce.date()`
 * field is a Date after a restart too, not the string the snapshot holds.
 * Parsed values are cached by the identity of the raw object, which stays the
 * same across transitions (and changes only when a snapshot is restored).
 */
const parsedByRaw = new WeakMap<object, Map<unknown, unknown>>();

function parse(schema: SagaPlan['definition']['input'], raw: unknown, what: string): unknown {
  const cache = typeof raw === 'object' && raw !== null ? parsedByRaw.get(raw) : undefined;
  if (cache?.has(schema) === true) return cache.get(schema);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // The value passed this schema when it came in; failing now means the schema changed under it.
    throw new PermanentError(`${what} no longer matches its schema: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  if (typeof raw === 'object' && raw !== null) {
    parsedByRaw.set(raw, (cache ?? new Map<unknown, unknown>()).set(schema, parsed.data));
  }
  return parsed.data;
}

/** `ctx.input`: the saga's input schema applied to the stored raw input. @internal */
export function inputForStep(plan: SagaPlan, raw: unknown): unknown {
  return parse(plan.definition.input, raw, 'The stored input');
}

/** `ctx.results`: awaited events' data with their schemas applied. @internal */
export function resultsForStep(plan: SagaPlan, results: Record<string, unknown>): Record<string, unknown> {
  let view: Record<string, unknown> | undefined;
  for (const [name, wait] of plan.waits) {
    const schema = wait.definition.options.schema;
    if (schema === undefined || !(name in results)) continue;
    view ??= { ...results };
    view[name] = parse(schema, results[name], `The data of event "${wait.definition.options.event}"`);
  }
  return view ?? results;
}
