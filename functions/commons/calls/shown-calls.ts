/**
 * What a listing followed page by page remembers of the calls it already showed, so that a page never shows
 * one of them again. Neither List Calls nor the voice logs say their page token is a cursor: a call created
 * between two page reads may push the listing down, and the last calls of one page come first on the next. The
 * next page's position therefore carries the last {@link SHOWN_WINDOW} calls shown (of either kind), each as a
 * short digest of its SID, and the next page drops any call among them. Only calls already shown are dropped,
 * so nothing that existed throughout is skipped; the window bounds the cursor (about 700 characters).
 */
import { createHash } from 'node:crypto';
import type { CallView } from '../signalwire/types.ts';
import { callKey } from './unique-calls.ts';

/** How many of the calls last shown a position remembers: more arrivals than this between two reads may repeat. */
export const SHOWN_WINDOW = 64;
/** One shown call: the first 8 bytes of SHA-256 of its canonical SID, base64url (11 characters, no padding). */
const KEY_CHARS = 11;
const SHOWN_TEXT = new RegExp(`^(?:[A-Za-z0-9_-]{${KEY_CHARS}}){1,${SHOWN_WINDOW}}$`);

/** The key of a shown call: a digest, so a cursor names no call while it stays small. */
export const shownKeyOf = (call: Pick<CallView, 'sid'>): string =>
  createHash('sha256').update(callKey(call)).digest().subarray(0, 8).toString('base64url');

/**
 * The calls of a page not among those shown before, and what the next page must remember: the last
 * {@link SHOWN_WINDOW} of the earlier ones and this page's.
 */
export const dropShown = <T extends Pick<CallView, 'sid'>>(
  calls: readonly T[],
  shownBefore: readonly string[] = [],
): { calls: T[]; shown: string[] } => {
  const before = new Set(shownBefore);
  const kept: T[] = [];
  const keys: string[] = [];
  for (const call of calls) {
    const key = shownKeyOf(call);
    if (before.has(key)) continue;
    kept.push(call);
    keys.push(key);
  }
  return { calls: kept, shown: [...shownBefore, ...keys].slice(-SHOWN_WINDOW) };
};

/** The shown calls as a position's text carries them: the keys one after another. */
export const shownText = (shown: readonly string[]): string => shown.join('');

/** A position's shown calls read back; undefined when the text is not what {@link shownText} writes. */
export const readShownText = (text: string): string[] | undefined => {
  if (!SHOWN_TEXT.test(text)) return undefined;
  const keys: string[] = [];
  for (let at = 0; at < text.length; at += KEY_CHARS) keys.push(text.slice(at, at + KEY_CHARS));
  return keys;
};
