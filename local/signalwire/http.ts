/** How the SignalWire stand-in reads a request: its route, its Basic credentials, its body; and how it answers. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault, Reply } from './calls.ts';

export type Route =
  | { kind: 'list'; accountSid: string }
  | { kind: 'call'; accountSid: string; callSid: string }
  | { kind: 'none'; accountSid: string | null };

const LIST_PATH = /^\/api\/laml\/2010-04-01\/Accounts\/([^/]+)\/Calls(?:\.json)?$/;
const CALL_PATH = /^\/api\/laml\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+?)(?:\.json)?$/;
const ACCOUNT_PATH = /^\/api\/laml\/2010-04-01\/Accounts\/([^/]+)/;

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

export const matchRoute = (method: string, path: string): Route => {
  const list = LIST_PATH.exec(path);
  if (list?.[1] && method === 'GET') return { kind: 'list', accountSid: decodeSegment(list[1]) };
  const call = CALL_PATH.exec(path);
  if (call?.[1] && call[2] && (method === 'GET' || method === 'POST')) {
    return { kind: 'call', accountSid: decodeSegment(call[1]), callSid: decodeSegment(call[2]) };
  }
  const account = ACCOUNT_PATH.exec(path)?.[1];
  return { kind: 'none', accountSid: account === undefined ? null : decodeSegment(account) };
};

export interface Credentials {
  user: string;
  password: string;
}

export const parseBasicAuth = (header: string | undefined): Credentials | null => {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString();
  const separator = decoded.indexOf(':');
  return separator < 0 ? null : { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
};

export const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

export const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

export const send = (res: ServerResponse, reply: Reply): void => {
  if (res.destroyed) return;
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
};

/** The answer a `garble` or `raw` fault scripts (see `Fault`), written as it says, stalled or reset after it. */
export const sendScripted = (
  res: ServerResponse,
  fault: Extract<Fault, { kind: 'garble' | 'raw' }>,
): void => {
  if (fault.kind === 'garble') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(fault.body ?? '{"sid": "');
    return;
  }
  res.writeHead(fault.status, fault.headers ?? {});
  if (fault.then === undefined) {
    res.end(fault.body ?? '');
    return;
  }
  res.flushHeaders();
  if (fault.body) res.write(fault.body);
  if (fault.then === 'reset') res.socket?.destroy();
};

// The emulator.
