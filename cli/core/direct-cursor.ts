import type { ListPosition } from '#commons/calls/list-both';
import { positionOf, positionText, readPositionText } from '#commons/http/list-query';
import { UsageError } from './errors.ts';

/**
 * `--direct`'s list cursor: the position text the API seals into its cursors (a List Calls `next_page_uri`, or
 * a voice-log page with the filters compared on the client side), unsealed. It goes from this CLI back to
 * itself, only ever to the project of the user's own secret, and is read by the API's own rules.
 */
export const cursorOfPosition = (position: ListPosition, projectId: string): string =>
  positionText(position, projectId);

/** A cursor as typed back, checked to be one of this project's listings; anything else names --cursor. */
export const positionOfCursor = (cursor: string, projectId: string): ListPosition => {
  try {
    return positionOf(readPositionText(cursor.trim()), projectId);
  } catch {
    throw new UsageError(
      '--cursor is not a cursor of a --direct listing of this project (give the next_cursor a previous `calls list --direct` printed)',
    );
  }
};
