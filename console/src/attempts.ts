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
/** Where they live when storage is refused (a private window's quota, a policy): this tab only. */
let inMemory: Record<string, OpenAttempt[]> = {};

/** What storage holds, each entry checked (another version of the console may have written it), the old dropped. */
const read = (): Record<string, OpenAttempt[]> => {
  let stored: unknown;
  try {
    stored = JSON.parse(localStorage.getItem(KEY) ?? '{}');
  } catch {
    return inMemory;
  }
  const fresh: Record<string, OpenAttempt[]> = {};
  const since = Date.now() - KEEP_MS;
  for (const [sid, attempts] of Object.entries(stored && typeof stored === 'object' ? stored : {})) {
    const kept = (Array.isArray(attempts) ? attempts : []).filter(
      (a: Partial<OpenAttempt>): a is OpenAttempt =>
        CHANGES.includes(a?.change as Change) && typeof a?.at === 'number' && a.at > since,
    );
    if (kept.length > 0) fresh[sid] = kept;
  }
  return fresh;
};

const write = (all: Record<string, OpenAttempt[]>): void => {
  inMemory = all;
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Kept in this tab's memory only.
  }
};

/** The open attempts to change call `sid`, oldest first. */
export const openAttempts = (sid: string): OpenAttempt[] => read()[sid] ?? [];

/** Notes an attempt to change call `sid` whose outcome is open. */
export const noteOpen = (sid: string, change: Change): void => {
  const all = read();
  all[sid] = [...(all[sid] ?? []), { change, at: Date.now() }];
  write(all);
};

/**
 * Settles the open attempts an answer decides: the call ended (an end or cancel applied, or found it ended) settles
 * them all; a redirect applied settles the redirects.
 */
export const settle = (sid: string, by: 'ended' | 'redirected'): void => {
  const all = read();
  const left = (all[sid] ?? []).filter((a) => by === 'redirected' && a.change !== 'redirect');
  if (left.length > 0) all[sid] = left;
  else delete all[sid];
  write(all);
};

/** "end at 18:30:05" for a message. */
export const described = (attempt: OpenAttempt): string =>
  `${attempt.change} at ${new Date(attempt.at).toLocaleTimeString()}`;
