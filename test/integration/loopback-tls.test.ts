import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeError, SignalWireNetworkError } from '#commons/errors';
import { type RetryNotice, SignalWireClient } from '#commons/signalwire/client';
import { parseLocalOrigin, parseSecret } from '#commons/signalwire/credentials';
import { LocalAws } from '#local/aws-emulator';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { hasOpenssl, makeCertificates } from '../../bench/tls.ts';
import { projectScratchDirectory } from '../infra/support.ts';

const PROJECT_ID = '3f6b2a1c-8d4e-4b7a-9c5d-2e1f0a9b8c7d';
const API_TOKEN = 'PTloopbacktlstoken';

const scratch = projectScratchDirectory();
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** One https GET, trusting `ca` only (this request, not the process). */
const get = (url: string, ca: string | undefined): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: 'x' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });

// The benchmark's https rows (bench/tls.ts) need the openssl CLI; without it they say "not measured".
describe.skipIf(!hasOpenssl())('the loopback stand-ins over https (the benchmark’s TLS rows)', () => {
  it('serve https with a certificate of a CA made for the run; a client that does not trust it is refused', async () => {
    // Prepare
    const certificates = makeCertificates(join(scratch, 'tls'));
    if (!certificates) throw new Error('openssl was found but made no certificate');
    const ca = readFileSync(certificates.caFile, 'utf8');
    const emulator = await SignalWireEmulator.start({
      projects: [{ projectId: PROJECT_ID, apiToken: API_TOKEN }],
      tls: certificates.server,
    });
    const aws = await LocalAws.start({ tls: certificates.server });
    try {
      // Act / Assess: the emulator answers over TLS, verification on.
      expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(aws.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await get(`${emulator.url}/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls.json`, ca)).toBe(
        401,
      );
      await expect(get(`${emulator.url}/`, undefined)).rejects.toMatchObject({
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });

      // The project's credential check accepts the https loopback origin, exactly.
      const allowedLocalOrigin = parseLocalOrigin(emulator.url);
      expect(allowedLocalOrigin).toBe(emulator.url);
      const secret = parseSecret(
        JSON.stringify({ projectId: PROJECT_ID, apiToken: API_TOKEN, spaceUrl: emulator.url }),
        { allowedLocalOrigin },
      );
      expect(() =>
        parseSecret(
          JSON.stringify({
            projectId: PROJECT_ID,
            apiToken: API_TOKEN,
            spaceUrl: emulator.url.replace('https', 'http'),
          }),
          { allowedLocalOrigin },
        ),
      ).toThrow(/spaceUrl/);
      expect(secret.projects.get(PROJECT_ID)).toMatchObject({ spaceOrigin: emulator.url });
    } finally {
      await Promise.all([emulator.stop(), aws.stop()]);
    }
  });

  it('SignalWireClient refuses an untrusted certificate at once: nothing sent, not retried at once, retryable later', async () => {
    // Prepare
    const certificates = makeCertificates(join(scratch, 'tls-untrusted'));
    if (!certificates) throw new Error('openssl was found but made no certificate');
    const emulator = await SignalWireEmulator.start({
      projects: [{ projectId: PROJECT_ID, apiToken: API_TOKEN }],
      tls: certificates.server,
    });
    const notices: RetryNotice[] = [];
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: API_TOKEN,
      spaceOrigin: emulator.url,
      onRetry: (notice) => notices.push(notice),
    });
    try {
      // Act
      const error = await client
        .updateCall('00000000-0000-4000-8000-000000000001', { Url: 'https://example.com/next.xml' })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SignalWireNetworkError);
      expect(error).toMatchObject({
        mayHaveReachedServer: false,
        permanent: true,
        message: "SignalWire's TLS certificate was refused (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
      });
      // Retryable later (once the certificate or the trusted CAs are fixed): an event is retried by Lambda, not
      // remembered as the call's outcome.
      expect(describeError(error as Error)).toMatchObject({ code: 'UPSTREAM_UNREACHABLE', retryable: true });
      expect(notices).toEqual([]);
      expect(emulator.requests).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });
});
