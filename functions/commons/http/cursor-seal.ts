import { createHmac, timingSafeEqual } from 'node:crypto';
import { projectKeyOf } from '../signalwire/credentials.ts';

/**
 * List cursors are sealed with an HMAC, so only a cursor this API issued reaches SignalWire. The key is the
 * project's key for this purpose, which the credentials layer derives from its API token (HKDF-SHA256, salt:
 * the project id): every Lambda instance derives the same key, and the key, like the cursor, reveals nothing
 * of the token. A cursor issued before the token was rotated is refused; the listing starts again from its
 * first page. The HTTP layer asks for the key per project; the port and the adapter know nothing of cursors.
 */
const MAC_BYTES = 32;

/** The purpose cursor keys are derived for (the HKDF info): changing it invalidates every cursor issued. */
export const CURSOR_KEY_PURPOSE = 'signalwire-call-control list cursor v1';

/** The cursor key of a project. */
export const cursorKey = (apiToken: string, projectId: string): Buffer =>
  projectKeyOf({ apiToken, projectId }, CURSOR_KEY_PURPOSE);

const macOf = (key: Buffer, body: Buffer): Buffer => createHmac('sha256', key).update(body).digest();

/** A `next_page_uri` as a cursor: base64url of the MAC followed by the URI. */
export const sealCursor = (nextPageUri: string, key: Buffer): string => {
  // A string is encoded as UTF-8.
  const body = Buffer.from(nextPageUri);
  return Buffer.concat([macOf(key, body), body]).toString('base64url');
};

/** A cursor taken apart, unchecked: its MAC and the URI it carries; undefined when too short to hold both. */
export interface OpenedCursor {
  mac: Buffer;
  body: Buffer;
  uri: string;
}

export const openCursor = (cursor: string): OpenedCursor | undefined => {
  const bytes = Buffer.from(cursor, 'base64url');
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a shorter cursor would carry an empty URI, which the caller refuses the same way
  if (bytes.length <= MAC_BYTES) return undefined;
  const body = bytes.subarray(MAC_BYTES);
  return { mac: bytes.subarray(0, MAC_BYTES), body, uri: body.toString('utf8') };
};

/** Whether the cursor was sealed with `key` (constant-time comparison). */
export const isSealedWith = (opened: OpenedCursor, key: Buffer): boolean =>
  timingSafeEqual(opened.mac, macOf(key, opened.body));
