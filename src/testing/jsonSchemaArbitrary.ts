import fc, { type Arbitrary } from 'fast-check';

/** The part of JSON Schema (draft 2020-12, as `z.toJSONSchema` writes it) that values are generated from. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly $ref?: string;
  readonly $defs?: Readonly<Record<string, JsonSchema>>;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: JsonSchema | boolean;
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema | boolean;
  readonly prefixItems?: readonly JsonSchema[];
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
}

// Generated collections stay small: a saga's input is read by people when a path breaks.
const EXTRA_ITEMS = 3;
const MAX_REF_DEPTH = 3;

const FORMATS: Record<string, () => Arbitrary<string>> = {
  email: () =>
    fc
      .tuple(
        fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/),
        fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/),
        fc.constantFrom('com', 'org', 'dev'),
      )
      .map(([user, host, tld]) => `${user}@${host}.${tld}`),
  uuid: () => fc.uuid({ version: 4 }),
  guid: () => fc.uuid({ version: 4 }),
  'date-time': () =>
    fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  date: () =>
    fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  uri: () => fc.webUrl(),
  url: () => fc.webUrl(),
  ipv4: () => fc.ipV4(),
  ipv6: () => fc.ipV6(),
  hostname: () => fc.domain(),
};

/** The regex a string must match, or undefined when JavaScript cannot read the pattern. */
function regexOf(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

function stringArbitrary(schema: JsonSchema): Arbitrary<string> {
  const regex = schema.pattern === undefined ? undefined : regexOf(schema.pattern);
  const format = schema.format === undefined ? undefined : FORMATS[schema.format];
  let base: Arbitrary<string>;
  if (format !== undefined) base = format();
  else if (regex !== undefined) {
    try {
      base = fc.stringMatching(regex);
    } catch {
      // fast-check reads most regex syntax but not all (e.g. lookarounds): filter plain strings instead.
      base = fc.string({ unit: 'grapheme-ascii' });
    }
  } else {
    const minLength = schema.minLength ?? 0;
    return fc.string({
      unit: 'grapheme-ascii',
      minLength,
      maxLength: schema.maxLength ?? minLength + 12,
    });
  }
  const { minLength = 0, maxLength = Infinity } = schema;
  return base.filter((s) => s.length >= minLength && s.length <= maxLength && (regex === undefined || regex.test(s)));
}

function numberArbitrary(schema: JsonSchema, integer: boolean): Arbitrary<number> {
  const min = schema.exclusiveMinimum ?? schema.minimum;
  const max = schema.exclusiveMaximum ?? schema.maximum;
  const step = schema.multipleOf;
  if (integer || step !== undefined) {
    const unit = step ?? 1;
    // Count multiples of the step inside the bounds, then scale: exclusive bounds move one step in.
    let lo = min === undefined ? -1_000_000 : Math.ceil(min / unit);
    let hi = max === undefined ? 1_000_000 : Math.floor(max / unit);
    if (schema.exclusiveMinimum !== undefined && lo * unit <= schema.exclusiveMinimum) lo += 1;
    if (schema.exclusiveMaximum !== undefined && hi * unit >= schema.exclusiveMaximum) hi -= 1;
    lo = Math.max(lo, Number.MIN_SAFE_INTEGER);
    hi = Math.min(hi, Number.MAX_SAFE_INTEGER);
    return fc.integer({ min: lo, max: Math.max(lo, hi) }).map((n) => n * unit);
  }
  return fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(min === undefined ? { min: -1e9 } : { min, minExcluded: schema.exclusiveMinimum !== undefined }),
    ...(max === undefined ? { max: 1e9 } : { max, maxExcluded: schema.exclusiveMaximum !== undefined }),
  });
}

/**
 * A fast-check arbitrary of JSON values valid for a JSON Schema: the types,
 * bounds, formats, patterns, enums, unions and local `$ref`s that
 * `z.toJSONSchema` writes. Values it cannot constrain (e.g. `not`) are left to
 * the caller's filter.
 *
 * @internal
 */
export function jsonSchemaArbitrary(root: JsonSchema): Arbitrary<unknown> {
  const build = (schema: JsonSchema | boolean | undefined, depth: number): Arbitrary<unknown> => {
    if (schema === undefined || schema === true) return fc.jsonValue({ maxDepth: 1 });
    if (schema === false) return fc.constant(null);
    if ('const' in schema) return fc.constant(schema.const);
    if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
    if (schema.$ref !== undefined) {
      const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1];
      const target = name === undefined ? undefined : root.$defs?.[name];
      if (target === undefined || depth >= MAX_REF_DEPTH) return fc.constant(null);
      return build(target, depth + 1);
    }
    const union = schema.anyOf ?? schema.oneOf;
    if (union !== undefined) return fc.oneof(...union.map((s) => build(s, depth)));
    if (schema.allOf !== undefined) {
      // zod writes allOf for intersections: generate from their merge, the caller's filter does the rest.
      return build(Object.assign({}, ...schema.allOf) as JsonSchema, depth);
    }
    const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types === undefined) {
      if (schema.properties !== undefined) return build({ ...schema, type: 'object' }, depth);
      return fc.jsonValue({ maxDepth: 1 });
    }
    return fc.oneof(...types.map((type: string) => ofType(schema, type, depth)));
  };

  const ofType = (schema: JsonSchema, type: string, depth: number): Arbitrary<unknown> => {
    switch (type) {
      case 'string':
        return stringArbitrary(schema);
      case 'integer':
        return numberArbitrary(schema, true);
      case 'number':
        return numberArbitrary(schema, false);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const prefix = (schema.prefixItems ?? []).map((s) => build(s, depth));
        const minItems = Math.max(0, (schema.minItems ?? 0) - prefix.length);
        const rest =
          schema.items === false
            ? fc.constant([])
            : fc.array(build(schema.items, depth), {
                minLength: minItems,
                maxLength: Math.max(
                  minItems,
                  Math.min(schema.maxItems ?? Infinity, minItems + EXTRA_ITEMS) - prefix.length,
                ),
              });
        return fc.tuple(fc.tuple(...prefix), rest).map(([head, tail]) => [...head, ...tail]);
      }
      case 'object': {
        const properties = schema.properties ?? {};
        const names = Object.keys(properties);
        if (names.length === 0 && typeof schema.additionalProperties === 'object') {
          const keys =
            schema.propertyNames === undefined
              ? fc.string({ minLength: 1, maxLength: 8 })
              : stringArbitrary(schema.propertyNames);
          return fc.dictionary(keys, build(schema.additionalProperties, depth), { maxKeys: EXTRA_ITEMS });
        }
        const record = Object.fromEntries(names.map((name) => [name, build(properties[name], depth)]));
        return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => names.includes(k)) });
      }
      default:
        return fc.constant(null);
    }
  };

  return build(root, 0);
}
