/**
 * Text rules of the forms: counting the words of a statement, finding whether
 * it names an eligibility criterion, and whether two written names are the
 * same person. Pure.
 */
import type { EligibilityCriterionRule } from './rules.js';

/**
 * Words in a statement: runs of non-space characters that contain at least one
 * letter or digit. So "well-being" and "2020/21" are one word each, and a
 * stray dash or bullet is none; this is how a word processor counts, give or
 * take punctuation. Pure.
 */
export function countWords(text: string): number {
  let n = 0;
  for (const token of text.split(/\s+/u)) if (/[\p{L}\p{N}]/u.test(token)) n += 1;
  return n;
}

/** Lower case, accents dropped, every run of non-letters/digits made one space, padded with spaces at both ends. Pure. */
export function normaliseForMatch(text: string): string {
  const plain = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  return ` ${plain.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

/** True when `phrase` occurs in `normalisedText` (from normaliseForMatch) as whole words. Pure. */
function hasPhrase(normalisedText: string, phrase: string): boolean {
  const p = normaliseForMatch(phrase);
  return p.trim().length > 0 && normalisedText.includes(p);
}

/**
 * Does the statement name this criterion? Yes when one of its keywords appears
 * as whole words; for "another reason", any word of five or more letters from
 * the school's own stated reason also counts. Pure.
 */
export function namesCriterion(statement: string, criterion: EligibilityCriterionRule, ownReason?: string): boolean {
  const text = normaliseForMatch(statement);
  if (criterion.keywords.some((k) => hasPhrase(text, k))) return true;
  if (criterion.matchesOwnReason && ownReason) {
    return normaliseForMatch(ownReason).trim().split(' ').some((w) => w.length >= 5 && text.includes(` ${w} `));
  }
  return false;
}

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'professor', 'sir', 'dame', 'rev', 'revd']);

/** A name reduced for comparison: case, accents, punctuation and a leading title (Mr, Mrs, Dr...) ignored. Pure. */
export function nameKey(name: string): string {
  const words = normaliseForMatch(name).trim().split(' ').filter(Boolean);
  while (words.length > 1 && TITLES.has(words[0]!)) words.shift();
  return words.join(' ');
}

/** True when two written names are the same person's name (see nameKey). Pure. */
export function sameName(a: string, b: string): boolean {
  const ka = nameKey(a);
  return ka.length > 0 && ka === nameKey(b);
}
