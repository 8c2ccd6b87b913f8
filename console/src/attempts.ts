/**
 * Changes whose outcome is open: a request that got no usable answer (lost, timed out, a gateway's 5xx) may have
 * been applied. Until a later answer settles it, no later refusal may be reported as "not applied". They are kept
 * in this browser's localStorage, so every tab of the console knows (a refusal in one tab after a lost answer in
 * another is no proof either), for an hour at most; only call SIDs, verbs and times, nothing secret.
 */

export type Change = 'end' | 'redirect' | 'cancel';
const CHANGES: readonly Change[] = ['end', 'redirect', 'cancel'];
export interface OpenAttempt {
  change: Change;
  at: number;
}

const KEY = 'call-control-console-open-changes';
const KEEP_MS = 3_600_000;
/** How far ahead of this clock a note may be (another machine's clock, a tab's drift): later is tampering. */
const SKEW_MS = 60_000;
type Notes = Record<string, OpenAttempt[]>;
/**
 * This tab's notes, kept beside storage whatever it does: storage may refuse a write (full, a private window's
 * quota, a policy) and still read, so a note only here must be read too.
 */
let inMemory: Notes = Object.create(null);

/** The notes in `raw` still open and believable: a known change, a finite time within the hour and not ahead. */
const checked = (raw: unknown, now: number): Notes => {
  const fresh: Notes = Object.create(null);
  if (!raw || typeof raw !== 'object') return fresh;
  for (const [sid, attempts] of Object.entries(raw)) {
    const kept = (Array.isArray(attempts) ? attempts : []).filter(
      (a: Partial<OpenAttempt>): a is OpenAttempt =>
        CHANGES.includes(a?.change as Change) &&
        typeof a?.at === 'number' &&
        Number.isFinite(a.at) &&
        a.at > now - KEEP_MS &&
        a.at <= now + SKEW_MS,
    );
    if (kept.length > 0) fresh[sid] = kept.map(({ change, at }) => ({ change, at }));
  }
  return fresh;
};

/** What storage holds (another tab's notes, another version's), merged with this tab's, each note once. */
const read = (): Notes => {
  const now = Date.now();
  let stored: unknown;
  try {
    stored = JSON.parse(localStorage.getItem(KEY) ?? '{}');
  } catch {
    stored = undefined;
  }
  const all = checked(stored, now);
  for (const [sid, mine] of Object.entries(checked(inMemory, now))) {
    const have = all[sid] ?? [];
    const added = mine.filter((a) => !have.some((b) => b.change === a.change && b.at === a.at));
    all[sid] = [...have, ...added].sort((a, b) => a.at - b.at);
  }
  return all;
};

/**
 * Stores every note. Storage full: the old value's room is freed and the write tried again (a settled note must not
 * stay stored and be read back); refused still, the notes are this tab's memory's, read() merges them in.
 */
const write = (all: Notes): void => {
  const json = JSON.stringify(all);
  try {
    localStorage.setItem(KEY, json);
    inMemory = Object.create(null);
    return;
  } catch {
    inMemory = all;
  }
  try {
    localStorage.removeItem(KEY);
    localStorage.setItem(KEY, json);
    inMemory = Object.create(null);
  } catch {
    // Kept in this tab's memory only.
  }
};

/** The open attempts to change call `sid`, oldest first. */
export const openAttempts = (sid: string): OpenAttempt[] => {
  const all = read();
  return Object.hasOwn(all, sid) ? (all[sid] ?? []) : [];
};

/** Notes an attempt to change call `sid` whose outcome is open. */
export const noteOpen = (sid: string, change: Change): void => {
  const all = read();
  all[sid] = [...(Object.hasOwn(all, sid) ? (all[sid] ?? []) : []), { change, at: Date.now() }];
  write(all);
};

/**
 * Settles the open attempts an answer decides: the call ended (an end or cancel applied, or found it ended) settles
 * them all; a redirect applied settles the redirects.
 */
export const settle = (sid: string, by: 'ended' | 'redirected'): void => {
  const all = read();
  const left = (Object.hasOwn(all, sid) ? (all[sid] ?? []) : []).filter(
    (a) => by === 'redirected' && a.change !== 'redirect',
  );
  if (left.length > 0) all[sid] = left;
  else delete all[sid];
  write(all);
};

/** "end at 18:30:05" for a message. */
export const described = (attempt: OpenAttempt): string =>
  `${attempt.change} at ${new Date(attempt.at).toLocaleTimeString()}`;
