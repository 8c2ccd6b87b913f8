import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a proxy hook decides: `handled` when it answered (or held) the request itself. */
type Handled = boolean;

export interface DynamoDbProxyHooks {
  /** Before forwarding: answer or hold the request here (true), or let it through (false). */
  before?(target: string, incoming: IncomingMessage, answer: ServerResponse): Handled;
  /** After forwarding, before answering: hold or replace the answer (true), or pass it on (false). */
  after?(target: string, incoming: IncomingMessage, answer: ServerResponse): Handled;
}

/** Answers as DynamoDB does when it fails on its side (a 500 `InternalServerError`). */
export const answerInternalServerError = (answer: ServerResponse): void => {
  answer.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
  answer.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' }));
};

/**
 * A loopback proxy in front of the local DynamoDB (`upstream`) that passes every request through unless a hook
 * takes it, by its `X-Amz-Target` operation (`DynamoDB_20120810.UpdateItem`, ...).
 */
export const startDynamoDbProxy = async (upstream: string, hooks: DynamoDbProxyHooks) => {
  const server = createServer((incoming, answer) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      const target = String(incoming.headers['x-amz-target']);
      if (hooks.before?.(target, incoming, answer)) return;
      const forwarded = await fetch(`${upstream}${incoming.url}`, {
        method: incoming.method,
        headers: Object.fromEntries(
          Object.entries(incoming.headers).filter(([name]) => name !== 'host' && name !== 'content-length'),
        ) as Record<string, string>,
        body: Buffer.concat(chunks),
      });
      if (hooks.after?.(target, incoming, answer)) return;
      answer.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? '' });
      answer.end(Buffer.from(await forwarded.arrayBuffer()));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};
