import type { SignalWireErrorBody } from '../errors.ts';

/**
 * Reading what SignalWire (or a gateway in front of it) answered, before anything else sees it: `Retry-After`,
 * error bodies (only their own fields, cut and scrubbed of credentials) and whether a 2xx holds a usable Call.
 */

/**
 * The longest wait a `Retry-After` is taken to ask for: anything longer (an hour and more) is passed on as this,
 * so the header this API answers stays a sane delay-seconds (never `1e+23`), and the client gives up at once.
 */
export const MAX_RETRY_AFTER_SECONDS = 3_600;

/**
 * An HTTP-date as RFC 9110 (5.6.7) spells it: IMF-fixdate, or the obsolete RFC 850 and asctime forms. Other
 * text `Date.parse` would read (`-5`, `1.5`, `1, 2`) is no date: it would make a zero wait and a burst of retries.
 */
const HTTP_DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/**
 * `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 10.2.3), in whole seconds from now, at most
 * {@link MAX_RETRY_AFTER_SECONDS}; anything else is no `Retry-After` at all (the client's own backoff applies).
 */
export const parseRetryAfter = (value: string | null, now = Date.now()): number | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), MAX_RETRY_AFTER_SECONDS);
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, Math.ceil((date - now) / 1000)), MAX_RETRY_AFTER_SECONDS);
};

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** Longest `message` or `more_info` kept from an error body. */
export const MAX_ERROR_TEXT_CHARS = 500;

/**
 * What looks like a credential in text from upstream: an `Authorization` value (Basic or Bearer and its
 * token), or a SignalWire API token (`PT` and hex). A gateway or a misbehaving upstream may echo the request's
 * headers into its error message, and that text reaches HTTP answers, events and audit records.
 */
const CREDENTIAL_PATTERNS = [/\b(?:Basic|Bearer)\s+[A-Za-z0-9+/=._~-]+/gi, /\bPT[0-9a-f]{16,}\b/gi];
const REDACTED = '[redacted]';

/** Upstream text with anything that looks like a credential (and the given secrets) replaced by `[redacted]`. */
export const scrubCredentials = (text: string, secrets: readonly string[] = []): string => {
  let scrubbed = text;
  for (const pattern of CREDENTIAL_PATTERNS) scrubbed = scrubbed.replace(pattern, REDACTED);
  for (const secret of secrets) if (secret.length >= 8) scrubbed = scrubbed.split(secret).join(REDACTED);
  return scrubbed;
};

/**
 * Upstream text as it may be shown: scrubbed of credentials (and of `secrets`), then cut to
 * {@link MAX_ERROR_TEXT_CHARS}.
 */
export const cutUpstreamText = (text: string, secrets: readonly string[] = []): string => {
  // Scrub the whole text first, then cut: a credential the cut splits would match neither the patterns nor the
  // client's own secrets, and its first half would stay visible.
  const scrubbed = scrubCredentials(text, secrets);
  // Never between the two halves of a surrogate pair (an emoji, a rare CJK character): a lone half is no text,
  // and shows as U+FFFD wherever the report, the log line or the event is read.
  return scrubbed.length > MAX_ERROR_TEXT_CHARS
    ? `${scrubbed.slice(0, MAX_ERROR_TEXT_CHARS - 1).replace(/[\ud800-\udbff]$/, '')}…`
    : scrubbed;
};

/**
 * Reads SignalWire's error body in either documented shape (`{code, message, ...}` or `{errors: [...]}`):
 * only its `code`, `message` and `more_info`, each cut and scrubbed of credentials (`secrets`: the client's own,
 * removed wherever they appear).
 */
export const parseErrorBody = (
  status: number,
  text: string,
  secrets: readonly string[] = [],
): SignalWireErrorBody => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a gateway's HTML page): no code, no reason, read below as an empty body is.
  }
  const record = asRecord(json);
  const errors = record?.errors;
  const items = Array.isArray(errors) ? errors.map(asRecord) : [record];
  const item = items[0];
  // Every item's message, not only the first: a refusal of several parameters (the Calling API's 422 lists one
  // item per `attribute`) is then fixed in one round trip.
  const message = items
    .map((each) => each?.message)
    .filter((text) => typeof text === 'string' && text)
    .join('; ');
  const code = item?.code;
  const numericCode = typeof code === 'number' ? code : typeof code === 'string' ? Number(code) : Number.NaN;
  // Cut: the body is SignalWire's or a gateway's, of any length, and ends up in responses and events.
  return {
    code: Number.isInteger(numericCode) ? numericCode : undefined,
    message: message ? cutUpstreamText(message, secrets) : `SignalWire answered HTTP ${status}`,
    moreInfo: typeof item?.more_info === 'string' ? cutUpstreamText(item.more_info, secrets) : undefined,
  };
};

/** Deepest nesting kept from an answer (a Call is 2 levels deep): deeper JSON cannot be serialised safely. */
export const MAX_ANSWER_DEPTH = 16;

/**
 * Whether an object or array parsed from JSON nests deeper than `limit` levels (itself counted as one). It runs on
 * every Call the client reads (every ended call of a cleanup) and on every page: it walks the values in place
 * (`for…in`, an array's elements), with no array of values and no iterator per object; its recursion goes at most
 * `limit` levels down, however deep a hostile body nests (100 000 levels). The stopping check comes first: a value
 * is refused the moment the walk reaches one level too deep, without looking inside it.
 */
const nestsDeeper = (value: object, limit: number): boolean => {
  if (limit === 0) return true;
  // An array by its elements: `for…in` over a page's calls cost a fifth of a listed call (its index keys).
  if (Array.isArray(value)) return value.some((inner) => deeper(inner, limit));
  for (const key in value) if (deeper((value as Record<string, unknown>)[key], limit)) return true;
  return false;
};
const deeper = (inner: unknown, limit: number): boolean =>
  typeof inner === 'object' && inner !== null && nestsDeeper(inner, limit - 1);

/**
 * Why a 2xx body is not a usable Call resource, or undefined when it is: a JSON object with a string `sid` (the
 * `callSid` asked for, when given, in any case) and `status` (what every trigger reads of it), nested no deeper than {@link MAX_ANSWER_DEPTH}, so that the
 * answer, the event and the audit record built from it can always be serialised.
 */
export const unusableCallReason = (body: unknown, callSid?: string): string | undefined => {
  const call = asRecord(body);
  if (!call)
    return `is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`}, not a Call`;
  if (typeof call.sid !== 'string') return 'has no string "sid"';
  // A cache or proxy answering with another call's resource: what happened to the call asked about is unknown.
  if (callSid !== undefined && call.sid !== callSid && call.sid.toLowerCase() !== callSid.toLowerCase()) {
    return 'is another call, not the one asked for';
  }
  if (typeof call.status !== 'string') return 'has no string "status"';
  if (nestsDeeper(call, MAX_ANSWER_DEPTH)) return `nests deeper than ${MAX_ANSWER_DEPTH} levels`;
  return undefined;
};

/**
 * Why a 2xx body is not a usable page of List Calls, or undefined when it is: an object whose `calls` is an array
 * of objects with a string `sid` and `status` (what the listing and the cleanup read of each), whose
 * `next_page_uri` is a string or null, nested no deeper than a page of Calls does. Anything else would reach the
 * operator as calls that are not calls, or fail later as an internal error.
 */
export const unusablePageReason = (body: unknown): string | undefined => {
  const page = asRecord(body);
  if (!page || !Array.isArray(page.calls)) return 'is not a page of calls';
  const next = page.next_page_uri;
  if (next !== undefined && next !== null && typeof next !== 'string')
    return 'has a next_page_uri that is not a string';
  for (const item of page.calls as unknown[]) {
    const call = asRecord(item);
    if (typeof call?.sid !== 'string' || typeof call.status !== 'string') {
      return 'lists an entry that is not a Call (no string "sid" or "status")';
    }
  }
  // A page holds Calls two levels below it.
  if (nestsDeeper(page, MAX_ANSWER_DEPTH + 2)) return `nests deeper than ${MAX_ANSWER_DEPTH + 2} levels`;
  return undefined;
};

/**
 * Why a 2xx body of the native Calling API or the voice logs is unusable here, or undefined: only its depth (its
 * shape is `calling/client.ts`'s to check). A call (a command's answer, a voice log) nests no deeper than a
 * Compatibility Call, a list (voice logs, a log's events) no deeper than a page of Calls: the listing, the cleanup
 * and the answers built from it must be able to serialise what they take from it.
 */
export const unusableNativeReason = (body: unknown, answer: 'call' | 'list'): string | undefined => {
  const levels = answer === 'list' ? MAX_ANSWER_DEPTH + 2 : MAX_ANSWER_DEPTH;
  // As a value one level above it: a body that is no object or array nests nothing.
  return deeper(body, levels + 1) ? `nests deeper than ${levels} levels` : undefined;
};
