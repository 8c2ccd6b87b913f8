import { CliError, EXIT } from './errors.ts';

/**
 * `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (or their lower-case forms) are honoured as the AWS CLI honours
 * them: an operator behind a corporate proxy sets them once for every tool. Node reads them only when told
 * (`NODE_USE_ENV_PROXY=1`, `--use-env-proxy`); from Node 24.14, `http.setGlobalProxyFromEnv()` tells it at run
 * time, for `fetch` and Node's global agents, and the switch set here makes the agents the CLI creates itself (the
 * AWS SDK clients', the SignalWire transport's) read the same variables.
 */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/** True when Node sends requests through the proxy variables (Node's own switch, or {@link useEnvironmentProxy}). */
export const environmentProxyOn = (): boolean =>
  process.env.NODE_USE_ENV_PROXY === '1' || process.execArgv.includes('--use-env-proxy');

/**
 * Sends this run's requests through the proxy the environment names, if any. `note` says so when this Node
 * cannot (before 24.14): the requests then go out directly, and the operator knows why they fail.
 */
export const useEnvironmentProxy = async (note: (text: string) => void): Promise<void> => {
  const variable = PROXY_VARIABLES.find((name) => process.env[name]);
  if (variable === undefined) return;
  const http = (await import('node:http')) as {
    setGlobalProxyFromEnv?: (env?: NodeJS.ProcessEnv) => unknown;
  };
  if (typeof http.setGlobalProxyFromEnv !== 'function') {
    if (!environmentProxyOn())
      note(
        `note: ${variable} is set, but Node.js ${process.version} cannot send requests through it (24.14 or later can); they go out directly`,
      );
    return;
  }
  const noProxy = process.env.NO_PROXY ?? process.env.no_proxy;
  if (noProxy) {
    const widened = asTheAwsCliReadsIt(noProxy);
    process.env.NO_PROXY = widened;
    process.env.no_proxy = widened;
  }
  process.env.NODE_USE_ENV_PROXY = '1';
  http.setGlobalProxyFromEnv(process.env);
};

/**
 * NO_PROXY as the AWS CLI (and curl) read it, in the form Node reads: there `amazonaws.com` also covers
 * `sts.amazonaws.com`, while Node takes a bare name for that host alone and only `.amazonaws.com` for the
 * names under it. Each bare name (with its port, if any) is kept and joined by its dotted form; `*`, dotted
 * names and IP addresses are kept as they are.
 */
export const asTheAwsCliReadsIt = (noProxy: string): string => {
  // Stryker disable next-line Regex: one separator at a time splits out empty entries, which the filter drops
  const entries = noProxy.split(/[\s,]+/).filter((entry) => entry !== '');
  return entries
    .flatMap((entry) =>
      // A name has a letter (a port never does); an IPv4 address has none.
      /^[a-z0-9-]+(\.[a-z0-9-]+)*\.?(:\d+)?$/i.test(entry) && /[a-z]/i.test(entry)
        ? [entry, `.${entry}`]
        : [entry],
    )
    .join(',');
};

/**
 * The proxy this run's requests go through, for a hint: `HTTPS_PROXY (http://proxy.example:3128)`, without the
 * user and password a proxy URL may carry. Undefined when none is used.
 */
export const proxyInUse = (protocol?: 'http:' | 'https:'): string | undefined => {
  if (!environmentProxyOn()) return undefined;
  // Node sends an https request through HTTPS_PROXY and a plain one through HTTP_PROXY: name the one it used
  // (PROXY_VARIABLES lists the https ones first).
  const forProtocol = protocol === 'http:' ? (['HTTP_PROXY', 'http_proxy'] as const) : PROXY_VARIABLES;
  const variable =
    forProtocol.find((name) => process.env[name]) ?? PROXY_VARIABLES.find((name) => process.env[name]);
  if (variable === undefined) return undefined;
  let shown: string;
  try {
    const url = new URL(process.env[variable]!);
    shown = `${url.protocol}//${url.host}`;
  } catch {
    shown = 'not a URL';
  }
  return `${variable} (${shown})`;
};

/** The local stack's hosts: loopback, however its URL spells it. */
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/**
 * `--local` never goes through a proxy: the stack is on this machine's loopback, which a corporate proxy cannot
 * reach (it would answer with an error, shown as a lost answer). Nothing to do unless Node was told to use the
 * proxy variables already (`NODE_USE_ENV_PROXY=1`, as the troubleshooting table suggests for `--direct`): then
 * loopback is added to NO_PROXY and Node's proxy set again from it (Node 24.14 or later).
 */
export const keepLoopbackDirect = async (): Promise<void> => {
  if (!environmentProxyOn() || !PROXY_VARIABLES.some((name) => process.env[name])) return;
  const http = (await import('node:http')) as {
    setGlobalProxyFromEnv?: (env?: NodeJS.ProcessEnv) => unknown;
  };
  if (typeof http.setGlobalProxyFromEnv !== 'function') return;
  const listed = process.env.NO_PROXY ?? process.env.no_proxy;
  const noProxy = [...(listed ? [listed] : []), ...LOOPBACK].join(',');
  process.env.NO_PROXY = noProxy;
  process.env.no_proxy = noProxy;
  http.setGlobalProxyFromEnv(process.env);
};

/** What a proxy answered when it refused to carry a request: its HTTP status (407: it wants credentials). */
export interface ProxyRefusal {
  status: number | undefined;
  /** The scheme of the refused request, which says which variable named the proxy: a tunnel is for https. */
  protocol: 'http:' | 'https:';
  /** The host the request was for, when the error names it (Node's "Failed to establish tunnel to HOST:PORT"). */
  host?: string;
}

const TUNNEL_REFUSED =
  /Failed to establish tunnel\b.*?\bHTTP\/\d(?:\.\d)? (\d{3})\b|Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/s;

/**
 * The proxy's refusal in `error` (or its causes), if that is what it is: Node's agents say `ERR_PROXY_TUNNEL`
 * ("Failed to establish tunnel … 407 Proxy Authentication Required"), `fetch` says "Proxy response (407) !== 200
 * when HTTP Tunneling", and a plain-HTTP request through a proxy gets the 407 answer itself (the AWS SDK then
 * reports an "Unknown" error with that status). Nothing was sent past the proxy in any of these.
 */
export const proxyRefusalOf = (error: unknown): ProxyRefusal | undefined => {
  if (!environmentProxyOn()) return undefined;
  // The whole chain is read: the SignalWire client's network error carries the transport's, which carries
  // Node's (the one whose message holds the proxy's answer), and a wrapper may repeat the code without it.
  let tunnel: ProxyRefusal | undefined;
  for (let current = error, depth = 0; current instanceof Error && depth < 6; depth++) {
    const match = TUNNEL_REFUSED.exec(current.message);
    if (match || (current as NodeJS.ErrnoException).code === 'ERR_PROXY_TUNNEL') {
      const host = /tunnel to (\S+?)(?::443)? via\b/.exec(current.message)?.[1];
      tunnel = {
        status: match ? Number(match[1] ?? match[2]) : tunnel?.status,
        protocol: 'https:',
        ...(host ? { host } : tunnel?.host ? { host: tunnel.host } : {}),
      };
    } else if (tunnel === undefined) {
      // The SDK keeps the answer's status in $metadata, or, when it could not parse the proxy's page, in $response.
      const answered = current as {
        $metadata?: { httpStatusCode?: unknown };
        $response?: { statusCode?: unknown };
      };
      if (answered.$metadata?.httpStatusCode === 407 || answered.$response?.statusCode === 407)
        return { status: 407, protocol: 'http:' };
    }
    current = current.cause;
  }
  return tunnel;
};

/**
 * The error for a request the proxy would not carry: which proxy (the variable, without the user and password
 * its URL may carry), what it answered, and what to do: a 407 wants credentials in the proxy URL; any other
 * refusal is the proxy's policy for that host, which NO_PROXY can route around.
 */
export const proxyRefusedError = (refusal: ProxyRefusal, what: string, fallbackHost: string): CliError => {
  const host = refusal.host ?? fallbackHost;
  const inUse = proxyInUse(refusal.protocol);
  // Without the variable (none set, though Node was told to use one), the one Node reads for the request.
  const variable = inUse?.split(' ')[0] ?? (refusal.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY');
  const answered =
    refusal.status === 407
      ? '407 Proxy Authentication Required'
      : refusal.status === undefined
        ? 'it closed the connection or answered without an HTTP status, and opened no tunnel'
        : `HTTP ${refusal.status} to the tunnel`;
  return new CliError(
    `${what} failed: the proxy${inUse ? ` ${inUse}` : ''} refused to carry the request to ${host} (${answered}); nothing was sent past the proxy`,
    refusal.status === 407
      ? `The proxy wants credentials: put them in its URL (${variable}=http://USER:PASSWORD@host:port, the password URL-encoded), or list ${host} in NO_PROXY if it is reached without the proxy.`
      : `Ask for ${host} to be allowed through the proxy, or list it in NO_PROXY if it is reached without the proxy (or unset ${variable}).`,
    EXIT.failed,
    'PROXY_REFUSED',
  );
};
