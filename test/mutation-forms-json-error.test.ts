/**
 * Where a form file that is not JSON first breaks, as a hub officer reads it
 * in the error ("line 3, column 3: expected a value but found "]""). Each row
 * is a broken text, worked out by hand, with the offset, line, column and
 * words the message must give; every branch of the scanner has a row. Valid
 * texts are checked against JSON.parse, the judge of what JSON is.
 */
import { describe, expect, it } from 'vitest';
import { findJsonBreak, lineAndColumn } from '../domain/forms/json-error.js';

/** [text, offset, line, column, reason] */
const BROKEN: [string, number, number, number, string][] = [
  ['', 0, 1, 1, 'expected a value but found end of input'],
  [' ', 1, 1, 2, 'expected a value but found end of input'],
  ['x', 0, 1, 1, 'expected a value but found "x"'],
  ['}', 0, 1, 1, 'expected a value but found "}"'],
  ['{', 1, 1, 2, 'expected a property name in double quotes but found end of input'],
  ['{,}', 1, 1, 2, 'expected a property name in double quotes but found ","'],
  ["{'a':1}", 1, 1, 2, `expected a property name in double quotes but found "'"`],
  ['{a:1}', 1, 1, 2, 'expected a property name in double quotes but found "a"'],
  ['{"a":1,}', 7, 1, 8, 'expected a property name in double quotes but found "}"'],
  ['{"a":1, }', 8, 1, 9, 'expected a property name in double quotes but found "}"'],
  ['{"a" 1}', 5, 1, 6, 'expected ":" but found "1"'],
  ['{"a"', 4, 1, 5, 'expected ":" but found end of input'],
  ['{"a":', 5, 1, 6, 'expected a value but found end of input'],
  ['{"a":1', 6, 1, 7, 'expected "," or "}" after a property value but found end of input'],
  ['{"a":1 "b":2}', 7, 1, 8, 'expected "," or "}" after a property value but found "\\""'],
  ['{"a":1]', 6, 1, 7, 'expected "," or "}" after a property value but found "]"'],
  ['[', 1, 1, 2, 'expected a value but found end of input'],
  ['[,]', 1, 1, 2, 'expected a value but found ","'],
  ['[1,]', 3, 1, 4, 'expected a value but found "]"'],
  ['[1 2]', 3, 1, 4, 'expected "," or "]" after an array item but found "2"'],
  ['[1,2', 4, 1, 5, 'expected "," or "]" after an array item but found end of input'],
  ['["a"}', 4, 1, 5, 'expected "," or "]" after an array item but found "}"'],
  ['tru', 3, 1, 4, 'expected true but found end of input'],
  ['trux', 3, 1, 4, 'expected true but found "x"'],
  ['fals', 4, 1, 5, 'expected false but found end of input'],
  ['fAlse', 1, 1, 2, 'expected false but found "A"'],
  ['nul', 3, 1, 4, 'expected null but found end of input'],
  ['nulL', 3, 1, 4, 'expected null but found "L"'],
  ['-', 1, 1, 2, 'expected a digit but found end of input'],
  ['-a', 1, 1, 2, 'expected a digit but found "a"'],
  ['01', 1, 1, 2, 'unexpected "1" after the end of the JSON value'],
  ['-01', 2, 1, 3, 'unexpected "1" after the end of the JSON value'],
  ['1.', 2, 1, 3, 'expected a digit but found end of input'],
  ['1.e5', 2, 1, 3, 'expected a digit but found "e"'],
  ['1e', 2, 1, 3, 'expected a digit but found end of input'],
  ['1e+', 3, 1, 4, 'expected a digit but found end of input'],
  ['1E-x', 3, 1, 4, 'expected a digit but found "x"'],
  ['1.5x', 3, 1, 4, 'unexpected "x" after the end of the JSON value'],
  ['+1', 0, 1, 1, 'expected a value but found "+"'],
  ['.5', 0, 1, 1, 'expected a value but found "."'],
  ['"abc', 4, 1, 5, 'unterminated string'],
  ['"a\\', 3, 1, 4, 'unterminated string'],
  ['"a\u0001b"', 2, 1, 3, 'control character "\\u0001" inside a string (write it escaped)'],
  ['"a\nb"', 2, 1, 3, 'control character "\\n" inside a string (write it escaped)'],
  ['"a\\qb"', 3, 1, 4, 'bad escape \\q in a string'],
  ['"a\\x41"', 3, 1, 4, 'bad escape \\x in a string'],
  ['"a\\u12G4"', 6, 1, 7, '\\u must be followed by four hex digits'],
  ['"a\\uG"', 4, 1, 5, '\\u must be followed by four hex digits'],
  ['"a\\u123"', 7, 1, 8, '\\u must be followed by four hex digits'],
  ['"a\\u12', 6, 1, 7, '\\u must be followed by four hex digits'],
  ['{"a":1} x', 8, 1, 9, 'unexpected "x" after the end of the JSON value'],
  ['{"a":1}\n\n  x', 11, 3, 3, 'unexpected "x" after the end of the JSON value'],
  ['{"a":1}{}', 7, 1, 8, 'unexpected "{" after the end of the JSON value'],
  ['{\n  "a": [1, 2,\n  ]\n}', 18, 3, 3, 'expected a value but found "]"'],
  ['{\r\n  "a": tru\r\n}', 13, 2, 11, 'expected true but found "\\r"'],
  ['\u00a0{}', 0, 1, 1, 'expected a value but found "\u00a0"'],
];

const VALID = [
  '{}', '{ }', '[]', '[ ]', '0', '-0', '1.5e+10', '-0.5E3', '2E-2', '10', '"x"', 'true', 'false', 'null',
  '"\\u00e9\\n\\t\\/\\b\\f\\r\\"\\\\"', '"\\uABCD\\uabcd"', '{"a":{"b":[true,false,null]},"c":"d"}', ' \t\r\n{"a" : 1 , "b":[ 1 , 2 ]}\r\n',
  '['.repeat(501) + ']'.repeat(501), '[{"a":[{"b":[]}]}]',
];

describe('findJsonBreak: where a form file that is not JSON first breaks, in words', () => {
  it.each(BROKEN)('%j breaks at offset %i (line %i, column %i): %s', (text, offset, line, column, reason) => {
    expect(findJsonBreak(text)).toEqual({ offset, line, column, reason });
    expect(() => JSON.parse(text), 'JSON.parse refuses it too').toThrow();
  });

  it('refuses nesting deeper than 500 where it starts, which JSON.parse would take (no form is that deep; the scanner recurses)', () => {
    const deep = '['.repeat(502) + ']'.repeat(502);
    expect(findJsonBreak(deep)).toEqual({ offset: 501, line: 1, column: 502, reason: 'nested more than 500 deep' });
    expect(findJsonBreak(`{"a":${'['.repeat(501)}${']'.repeat(501)}}`)).toEqual({ offset: 505, line: 1, column: 506, reason: 'nested more than 500 deep' });
  });

  it.each(VALID)('%j is JSON: no break', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(findJsonBreak(text)).toBeNull();
  });
});

describe('lineAndColumn: 1-based, clamped to the text', () => {
  it.each([
    ['abc', 0, 1, 1],
    ['abc', 2, 1, 3],
    ['abc', 3, 1, 4],
    ['abc', 99, 1, 4],
    ['abc', -5, 1, 1],
    ['a\nbc\n', 2, 2, 1],
    ['a\nbc\n', 4, 2, 3],
    ['a\nbc\n', 5, 3, 1],
  ] as const)('%j at %i is line %i, column %i', (text, offset, line, column) => {
    expect(lineAndColumn(text, offset)).toEqual({ line, column });
  });
});
