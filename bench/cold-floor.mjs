/**
 * The floor of a cold start: `node`, this one small ES module, and the two loopback exchanges every
 * sample makes (read the secret from the Secrets Manager stand-in, then POST the update to the space the secret
 * names), with nothing else: no AWS SDK, no middleware, no validation, no logging. Reports on file
 * descriptor 3 in the shape of bench/cold-start-driver.mjs.
 */
import { writeSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const post = (url, headers, body) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? https.request : http.request;
    const request = send(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });

const started = performance.now();
const sid = JSON.parse(process.env.BENCH_EVENT).pathParameters.callSid;
const secret = await post(
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
  { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
  JSON.stringify({ SecretId: process.env.SIGNALWIRE_SECRET_ID }),
);
const { projectId, apiToken, spaceUrl } = JSON.parse(JSON.parse(secret.body).SecretString);
const updated = await post(
  `${spaceUrl}/api/laml/2010-04-01/Accounts/${projectId}/Calls/${sid}.json`,
  {
    authorization: `Basic ${Buffer.from(`${projectId}:${apiToken}`).toString('base64')}`,
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  },
  'Status=completed',
);
const answered = performance.now();
const cpu = process.cpuUsage();
writeSync(
  3,
  `${JSON.stringify({
    statusCode: updated.status,
    startedMs: started,
    importMs: 0,
    firstInvokeMs: answered - started,
    readyMs: answered,
    // User + system CPU of this process from its start (node's own bootstrap included) to the answer.
    cpuMs: (cpu.user + cpu.system) / 1000,
  })}\n`,
);
process.exit(0);
