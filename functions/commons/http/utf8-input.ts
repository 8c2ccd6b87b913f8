import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type FieldViolation, RequestValidationError } from '../errors.ts';
import { fieldLabel } from '../validation/violations.ts';

/**
 * Whether percent-encoded text decodes as UTF-8. A parser reads U+FFFD in place of bytes that are not (`%FF`), and
 * the value would then be judged as something the caller never sent. A `%` that starts no escape is text, as
 * query parsers read it, not an error.
 */
const isUtf8 = (raw: string): boolean => {
  try {
    decodeURIComponent(raw.replace(/%(?![\da-f]{2})/gi, '%25'));
    return true;
  } catch {
    return false;
  }
};

const notUtf8 = (field: string): FieldViolation => ({
  field,
  rule: 'utf-8',
  message: `${field} is not valid UTF-8: percent-encode its text as UTF-8 bytes`,
});

/**
 * A violation for each field of `pairs` (`name=value`, `&`-separated) that is not UTF-8, once however often it is
 * given; `container` for a bad name.
 */
const pairViolations = (pairs: string, container: string): FieldViolation[] => {
  const fields = new Set<string>();
  for (const pair of pairs.split('&')) {
    if (isUtf8(pair)) continue;
    const name = pair.split('=')[0] as string;
    // A name that is UTF-8 is named as the parsers read it (`+` a space).
    const [[read = ''] = []] = new URLSearchParams(name);
    fields.add(isUtf8(name) ? fieldLabel(read) : container);
  }
  return [...fields].map(notUtf8);
};

/**
 * A body's UTF-8 refused as the query's is: bytes that are not UTF-8 in one API Gateway sent base64-encoded (its
 * text bodies arrive decoded already, and cannot be checked), and a form's percent-encoded bytes.
 * @throws RequestValidationError naming the field, or `body`
 */
export const requireUtf8Body = (body: string, base64: boolean, form: boolean): void => {
  let text = body;
  if (base64) {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(body, 'base64'));
    } catch {
      throw new RequestValidationError([notUtf8('body')]);
    }
  }
  const violations = form && text.includes('%') ? pairViolations(text, 'body') : [];
  if (violations.length > 0) throw new RequestValidationError(violations);
};

/**
 * A violation for each parameter of a raw query string (`a=1&b=%FF`, as API Gateway's `rawQueryString` keeps it)
 * whose percent-encoded bytes are not UTF-8; a name that is not UTF-8 itself is named `query`. For the functions
 * that read a query without the operator chain (the audit search, a GET status callback).
 */
export const queryUtf8Violations = (rawQueryString: string): FieldViolation[] =>
  rawQueryString.includes('%') ? pairViolations(rawQueryString, 'query') : [];

/**
 * A violation for each query parameter, and each path parameter of the route (`{callSid}`), whose percent-encoded
 * bytes are not UTF-8, read from the raw query string and path: API Gateway's decoded ones cannot tell. A name
 * that is not UTF-8 itself is named `query`. The path is matched from its end, so a stage before it changes nothing.
 */
export const utf8Violations = (event: APIGatewayProxyEventV2): FieldViolation[] => {
  // Every request passes here: one without a `%` anywhere has nothing to decode.
  if (!`${event.rawQueryString}${event.rawPath}`.includes('%')) return [];
  const violations = queryUtf8Violations(event.rawQueryString ?? '');
  const route = event.routeKey?.split(' ')[1]?.split('/') ?? [];
  const path = event.rawPath?.split('/') ?? [];
  route.forEach((segment, index) => {
    const raw = path[path.length - route.length + index];
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name && raw !== undefined && !isUtf8(raw)) violations.push(notUtf8(name));
  });
  return violations;
};
