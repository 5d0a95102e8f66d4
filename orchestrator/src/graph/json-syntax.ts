/**
 * A strict JSON syntax check with stable, positioned messages.
 *
 * Graph files are parsed with the YAML parser (to get source positions), but YAML accepts things
 * JSON does not (trailing commas, comments, unquoted strings) and words its errors in YAML terms.
 * `JSON.parse` would reject the right inputs, but its messages differ between Node versions and
 * often carry no position. So `.json` files go through this checker first.
 */

/** The first JSON syntax error in a text: where it is (0-based offset) and what is wrong. */
export interface JsonSyntaxError {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
  readonly hint: string;
}

const GENERAL_HINT = 'JSON needs double-quoted keys and strings, and allows no comments or trailing commas';

/** Deeper than this is not a graph (it needs a handful of levels), and would exhaust the stack. */
const MAX_DEPTH = 256;

class Failure {
  constructor(readonly error: JsonSyntaxError) {}
}

/** Returns the first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  let depth = 0;

  const fail = (message: string, hint = GENERAL_HINT, length = 1): never => {
    throw new Failure({ offset: Math.min(i, text.length), length, message, hint });
  };
  const skipSpace = (): void => {
    // A byte order mark may open the file; anywhere else it is not whitespace.
    while (i < text.length && (' \t\r\n'.includes(text[i]!) || (i === 0 && text[i] === '\uFEFF'))) i++;
    if (text.startsWith('//', i) || text.startsWith('/*', i)) fail('comments are not allowed in JSON', GENERAL_HINT, 2);
  };
  const describeHere = (): string => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));

  const string = (): void => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text[i]!;
      if (c === '\n' || c === '\r') fail('unterminated string', 'close the string with " before the end of the line');
      if (c < ' ') fail('control character in a string', 'write tabs and other control characters as escapes such as \\t');
      if (c === '\\') {
        const e = text[i + 1] ?? '';
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if ('"\\/bfnrt'.includes(e) && e !== '') i += 2;
        else fail('invalid escape in a string', 'valid escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX', 2);
      } else i++;
    }
    if (i >= text.length) fail('unterminated string', 'close the string with "');
    i++;
  };

  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (++depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`, 'a graph file needs only a few levels of nesting; check for brackets that never close');
      if (c === '{') object();
      else array();
      depth--;
      return;
    }
    if (c === '"') return string();
    const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)(?![\w.])/.exec(text.slice(i));
    if (literal) {
      i += literal[0].length;
      return;
    }
    if (c === "'") fail('strings must use double quotes in JSON');
    if (c === undefined) fail('expected a value but found the end of the file');
    const word: string = /^[^\s,:{}[\]"]+/.exec(text.slice(i))?.[0] ?? c ?? '';
    fail(`expected a value but found ${JSON.stringify(word)}`, 'strings must be in double quotes', word.length);
  };

  const object = (): void => {
    i++;
    skipSpace();
    if (text[i] === '}') return void i++;
    for (;;) {
      skipSpace();
      if (text[i] !== '"') {
        if (text[i] === '}') fail('trailing comma before "}" is not allowed in JSON');
        fail(`expected a double-quoted key but found ${describeHere()}`);
      }
      string();
      skipSpace();
      if (text[i] !== ':') fail(`expected ":" after the key but found ${describeHere()}`);
      i++;
      value();
      skipSpace();
      if (text[i] === '}') return void i++;
      if (text[i] !== ',') fail(`expected "," or "}" after a value but found ${describeHere()}`);
      i++;
    }
  };

  const array = (): void => {
    i++;
    skipSpace();
    if (text[i] === ']') return void i++;
    for (;;) {
      skipSpace();
      if (text[i] === ']') fail('trailing comma before "]" is not allowed in JSON');
      value();
      skipSpace();
      if (text[i] === ']') return void i++;
      if (text[i] !== ',') fail(`expected "," or "]" after a value but found ${describeHere()}`);
      i++;
    }
  };

  try {
    value();
    skipSpace();
    if (i < text.length) {
      fail(`unexpected ${describeHere()} after the end of the JSON value`, 'a JSON file holds exactly one value');
    }
    return undefined;
  } catch (e) {
    if (e instanceof Failure) return e.error;
    throw e;
  }
}
