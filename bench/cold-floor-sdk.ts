/**
 * The floor of a cold start for any design that keeps `@aws-sdk/client-secrets-manager` (issue 22): the floor
 * script's two exchanges (bench/cold-floor.mjs), with the secret read through the Secrets Manager client instead
 * of a bare request, built as the functions are (infra/runtime.ts: the AWS SDK stand-ins included), and nothing
 * else: no middleware, no validation, no logging. Invoked by bench/cold-start-driver.mjs like a function.
 */
import http from 'node:http';
import https from 'node:https';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

const post = (url: string, headers: Record<string, string>, body: string): Promise<number | undefined> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? https.request : http.request;
    const request = send(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });

export const handler = async (event: { pathParameters: { callSid: string } }) => {
  const secret = await client.send(new GetSecretValueCommand({ SecretId: process.env.SIGNALWIRE_SECRET_ID }));
  const { projectId, apiToken, spaceUrl } = JSON.parse(secret.SecretString ?? '{}') as Record<string, string>;
  const statusCode = await post(
    `${spaceUrl}/api/laml/2010-04-01/Accounts/${projectId}/Calls/${event.pathParameters.callSid}.json`,
    {
      authorization: `Basic ${Buffer.from(`${projectId}:${apiToken}`).toString('base64')}`,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    },
    'Status=completed',
  );
  return { statusCode };
};
