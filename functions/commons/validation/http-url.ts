/**
 * The one rule of a callback URL (`Url`, `FallbackUrl`, `StatusCallback`, a transfer's SWML URL): absolute http(s)
 * with a host and, optionally, a port from 1 to 65535, as SignalWire must be able to fetch it (Ajv's `uri` format
 * takes any digits as a port, and `:http` or `:99999` is no port). No user:password in it: credentials in a URL
 * would be written to audit records and result events. The schemas' pattern is built from the parts below, and
 * {@link urlProblem} words a refusal by the same parts, so the two cannot drift apart. A callback URL's schema adds
 * the `uri` format (characters to percent-encode, the IPv6 address itself), which urlProblem words too; so does a
 * transfer's `dest` that is an http(s) URL (printable ASCII besides), and its refusal is worded by urlProblem too.
 */

/**
 * A TCP port as a URL may name it: 1 to 65535, decimal, no leading zero. Up to four digits, or five that start
 * 1 to 6 and not 66…, 656…, 6554… or 65536 to 65539 (every port above 65535). Written with `[0-9]`, not `\d`:
 * the published schemas are read by other regex engines too, where `\d` takes any script's digits.
 */
export const PORT = '(?:[1-9][0-9]{0,3}|(?!6553[6-9]|655[4-9]|65[6-9]|6[6-9])[1-6][0-9]{4})';

/** An IPv6 (or IPvFuture) host in brackets, as URLs and SIP URIs write it. */
export const IP_LITERAL = '\\[[0-9A-Fa-f:.]+\\]';

/** `http://` or `https://`, in any case. */
const SCHEME = '[Hh][Tt][Tt][Pp][Ss]?://';

/** A host name (or IPv4 address): no space, no `@` (so no user:password@), no `:`, nothing that ends the host. */
const HOST_NAME = '[^\\s/?#@:\\[\\]]+';

/**
 * An absolute http(s) URL's start, up to its path (regex source, unanchored). Built by a call marked pure: a
 * bundler keeps a template literal with substitutions even when nothing reads it, and the compiled validators
 * have this pattern already.
 */
export const HTTP_URL = /* @__PURE__ */ (() =>
  `${SCHEME}(?:${IP_LITERAL}|${HOST_NAME})(?::${PORT})?(?:[/?#]|$)`)();

const NOT_ASCII = /[^\0-\x7f]/;
/** The scheme and the authority after it (`user@host:port`). */
const AUTHORITY = new RegExp(`^${SCHEME}([^/?#]*)`);
/** The port after a host (bracketed or not), read leniently: whether it is one is {@link PORT}'s to say. */
const PORT_PART = /^(?:\[[^\]]*\]|[^:[\]]+):(.*)$/;
const WHOLE_PORT = new RegExp(`^${PORT}$`);
/** What the `uri` format refuses in any part: a character to percent-encode, a `%` starting no escape, a 2nd `#`. */
const UNSAFE = /["<>\\^`{|}]|%(?![\dA-F]{2})|#.*#/i;

/**
 * What makes `url` no absolute http(s) URL, in words a caller can act on; undefined when it is none of these. A
 * host is sent as written: one that is not ASCII is refused, not rewritten, so that what SignalWire fetches and
 * the audit records say is what the caller sent.
 */
export const urlProblem = (url: string): string | undefined => {
  if (/[\s\p{Cc}]/u.test(url)) {
    return 'it holds a space, line break or control character (percent-encode it: %20, %0D%0A)';
  }
  // Stryker disable next-line StringLiteral,ArrayDeclaration: equivalent, without a match authority is undefined and the next line returns before start is read
  const [start = '', authority] = AUTHORITY.exec(url) ?? [];
  if (authority === undefined) return 'it does not start with http:// or https://';
  // No host name holds `@` (HOST_NAME): an authority that does carries user info.
  if (authority.includes('@')) return 'it carries user:password@ (or user@), which audit records would keep';
  if (NOT_ASCII.test(authority)) {
    // Stryker disable next-line StringLiteral: equivalent, the text Stryker puts here ("Stryker was here!") fails the name test below, as '' does
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {}
    // Offered only when it is a name this rule takes (a parser may keep `"` in it): advice that is refused misleads.
    host = /^[a-z\d.-]+$/.test(host) ? `: ${host}` : '';
    return `its host is not ASCII (write an internationalised domain name in its xn-- form${host})`;
  }
  if (/^(?::|$)/.test(authority)) return 'it has no host';
  const port = PORT_PART.exec(authority)?.[1];
  if (port !== undefined && !WHOLE_PORT.test(port))
    return 'its port is not a number from 1 to 65535 (without leading zeros)';
  if (NOT_ASCII.test(url))
    return 'it holds characters that are not ASCII (percent-encode their UTF-8 bytes: é is %C3%A9)';
  // Brackets only around the whole host, an IPv6 address (as the `uri` format, the URL parser checks it; it takes
  // no leading zero in a dotted part, where the format does).
  if (
    /[[\]]/.test(authority) &&
    !URL.canParse(`http://${authority.replace(/(?<=[:.])0{1,2}(?=\d{1,2}[.\]])/g, '')}`)
  )
    return 'its host is no name nor an IPv6 address in brackets';
  if (UNSAFE.test(url) || /[[\]]/.test(url.slice(start.length)))
    return 'it holds a character to percent-encode: one of "<>\\^`{|}[], a second # or a % not in %XX';
  return undefined;
};
