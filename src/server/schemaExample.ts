/**
 * A value that fits a JSON Schema, to pre-fill a form or print as a hint:
 * defaults and examples first, then the simplest value of each type.
 * Pure (no Node, no zod), so the inspector bundles it too.
 *
 * @example
 * schemaExample({ type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'] });
 * // { approved: true }
 */
export function schemaExample(schema: unknown, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null || depth > 8) return null;
  const s = schema as Record<string, unknown>;
  if ('default' in s) return s['default'];
  if (Array.isArray(s['examples']) && s['examples'].length > 0) return s['examples'][0];
  if ('const' in s) return s['const'];
  if (Array.isArray(s['enum']) && s['enum'].length > 0) return s['enum'][0];
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) {
      // The first option that is not null reads better than `null` in a template.
      const pick = options.find((o) => (o as Record<string, unknown> | null)?.['type'] !== 'null') ?? options[0];
      return schemaExample(pick, depth + 1);
    }
  }
  const type = Array.isArray(s['type']) ? (s['type'] as unknown[]).find((t) => t !== 'null') : s['type'];
  switch (type) {
    case 'object': {
      const properties = (s['properties'] ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s['required']) ? (s['required'] as string[]) : Object.keys(properties);
      const out: Record<string, unknown> = {};
      for (const name of required) out[name] = schemaExample(properties[name], depth + 1);
      return out;
    }
    case 'array': {
      const min = typeof s['minItems'] === 'number' ? s['minItems'] : 1;
      return Array.from({ length: Math.max(1, min) }, () => schemaExample(s['items'], depth + 1));
    }
    case 'string':
      return stringExample(s);
    case 'integer':
    case 'number':
      return numberExample(s, type === 'integer');
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return null;
  }
}

function stringExample(s: Record<string, unknown>): string {
  const formats: Record<string, string> = {
    email: 'someone@example.com',
    uuid: '00000000-0000-4000-8000-000000000000',
    'date-time': new Date(0).toISOString(),
    date: '1970-01-01',
    uri: 'https://example.com',
  };
  const format = typeof s['format'] === 'string' ? formats[s['format']] : undefined;
  if (format !== undefined) return format;
  const min = typeof s['minLength'] === 'number' ? s['minLength'] : 0;
  const max = typeof s['maxLength'] === 'number' ? s['maxLength'] : Infinity;
  const text = 'text'.padEnd(min, 'x');
  return text.slice(0, Math.max(min, Math.min(text.length, max)));
}

function numberExample(s: Record<string, unknown>, integer: boolean): number {
  const num = (key: string) => (typeof s[key] === 'number' ? s[key] : undefined);
  const low = num('minimum') ?? (num('exclusiveMinimum') === undefined ? undefined : num('exclusiveMinimum')! + 1);
  const high = num('maximum') ?? (num('exclusiveMaximum') === undefined ? undefined : num('exclusiveMaximum')! - 1);
  let value = low ?? (high !== undefined && high < 1 ? high : 1);
  if (integer) value = Math.ceil(value);
  return value;
}
