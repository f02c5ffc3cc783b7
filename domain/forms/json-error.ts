/**
 * Where a JSON text first breaks, as line and column, for messages about a form
 * file that is not JSON. Node 20's JSON.parse names the position for some
 * errors and not for others, so the text is scanned here. Pure.
 */

export interface JsonBreak {
  /** 0-based character offset of the first character that cannot be there. */
  offset: number;
  line: number;
  column: number;
  reason: string;
}

class Stop {
  constructor(readonly offset: number, readonly reason: string) {}
}

/** Line and column (1-based) of a character offset in `text`. Pure. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

function show(ch: string | undefined): string {
  return ch === undefined ? 'end of input' : JSON.stringify(ch);
}

/**
 * The first syntax error of a JSON text (RFC 8259), or null when it is valid
 * JSON. Pure.
 */
export function findJsonBreak(text: string): JsonBreak | null {
  let i = 0;
  const fail = (reason: string): never => {
    throw new Stop(i, reason);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i += 1;
  };
  const expect = (what: string) => {
    if (text[i] !== what) fail(`expected ${JSON.stringify(what)} but found ${show(text[i])}`);
    i += 1;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`expected ${word} but found ${show(text[i])}`);
      i += 1;
    }
  };
  const string = () => {
    expect('"');
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail('unterminated string');
      if (ch === '"') {
        i += 1;
        return;
      }
      if (ch!.charCodeAt(0) < 0x20) fail(`control character ${JSON.stringify(ch)} inside a string (write it escaped)`);
      if (ch === '\\') {
        i += 1;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k += 1) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail('\\u must be followed by four hex digits');
            }
          }
          i += 5;
        } else if (e === undefined) {
          fail('unterminated string');
        } else if ('"\\/bfnrt'.includes(e)) {
          i += 1;
        } else {
          fail(`bad escape \\${e} in a string`);
        }
      } else {
        i += 1;
      }
    }
  };
  const digits = () => {
    const start = i;
    while (i < text.length && text[i]! >= '0' && text[i]! <= '9') i += 1;
    if (i === start) fail(`expected a digit but found ${show(text[i])}`);
  };
  const number = () => {
    if (text[i] === '-') i += 1;
    if (text[i] === '0') i += 1;
    else digits();
    if (text[i] === '.') {
      i += 1;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i += 1;
      if (text[i] === '+' || text[i] === '-') i += 1;
      digits();
    }
  };
  const value = (depth: number): void => {
    if (depth > 500) fail('nested more than 500 deep');
    ws();
    const ch = text[i];
    if (ch === '{') {
      i += 1;
      ws();
      if (text[i] === '}') {
        i += 1;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes but found ${show(text[i])}`);
        string();
        ws();
        expect(':');
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === '}') {
          i += 1;
          return;
        }
        fail(`expected "," or "}" after a property value but found ${show(text[i])}`);
      }
    }
    if (ch === '[') {
      i += 1;
      ws();
      if (text[i] === ']') {
        i += 1;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === ']') {
          i += 1;
          return;
        }
        fail(`expected "," or "]" after an array item but found ${show(text[i])}`);
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail(`expected a value but found ${show(ch)}`);
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${show(text[i])} after the end of the JSON value`);
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return { offset: err.offset, ...lineAndColumn(text, err.offset), reason: err.reason };
  }
}
