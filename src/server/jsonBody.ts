/** JSON's own whitespace, as body-parser's strict mode skips it. */
const FIRST_CHARACTER = /[^ \t\n\r]/;

/**
 * A request body's text parsed the way express.json parses it (strict: only an
 * object or an array), or what is wrong with it and where.
 */
export function parseJsonText(text: string): { readonly value: unknown } | { readonly problem: string } {
  const first = FIRST_CHARACTER.exec(text);
  if (first !== null && (first[0] === '{' || first[0] === '[')) {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      // Said below, with where.
    }
  }
  return { problem: jsonProblem(text) };
}

/**
 * What is wrong with a body that is not JSON (or, strictly, not an object or
 * array), and where: "expected property name or '}' at line 1, column 2".
 */
export function jsonProblem(text: string): string {
  const first = FIRST_CHARACTER.exec(text);
  let why: string;
  if (first === null) why = 'it holds nothing but whitespace';
  else if (first[0] !== '{' && first[0] !== '[') {
    why = `it must be an object or an array, and starts with ${JSON.stringify(first[0])} at ${where(text, first.index)}`;
  } else {
    try {
      JSON.parse(text);
      why = 'it could not be read';
    } catch (error) {
      const message = (error as Error).message;
      const at = /^(.*) in JSON at position (\d+)/.exec(message);
      if (at?.[1] !== undefined) why = `${lowerFirst(at[1])} at ${where(text, Number(at[2]))}`;
      else if (message.startsWith('Unexpected end of JSON input')) why = 'it ends too early';
      else why = lowerFirst(message);
    }
  }
  return why;
}

function where(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return `line ${line}, column ${position - before.lastIndexOf('\n')}`;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
