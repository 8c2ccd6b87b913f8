import type { ListPosition } from '#commons/calls/list-both';
import { UsageError } from './errors.ts';

/**
 * `--direct`'s list cursor: where a listing over both kinds stands (a List Calls `next_page_uri`, or a voice-log
 * page and the filters compared on the client side), as base64url JSON. Not sealed, unlike the API's: it goes
 * from this CLI back to itself, and only ever to the SignalWire project of the user's own secret.
 */
export const cursorOfPosition = (position: ListPosition): string =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** A cursor as typed back, checked to be one this CLI wrote; anything else is a usage error naming --cursor. */
export const positionOfCursor = (cursor: string): ListPosition => {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor.trim(), 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const position = value as Partial<Record<string, unknown>> | undefined;
  if (
    position?.api === 'compatibility' &&
    isText(position.nextPageUri) &&
    typeof position.thenCalling === 'boolean'
  )
    return { api: 'compatibility', nextPageUri: position.nextPageUri, thenCalling: position.thenCalling };
  if (
    position?.api === 'calling' &&
    isText(position.next) &&
    typeof position.filter === 'object' &&
    position.filter !== null &&
    Object.values(position.filter).every((filter) => typeof filter === 'string')
  )
    return { api: 'calling', next: position.next, filter: position.filter };
  throw new UsageError(
    '--cursor is not a cursor of a --direct listing (give the next_cursor a previous `calls list --direct` printed)',
  );
};
