import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientPool } from '#commons/signalwire/account-calls';
import type { ProjectCredentials } from '#commons/signalwire/credentials';
import { SignalWireEmulator } from '#local/signalwire-emulator';

/**
 * Issue 17, finding 12: the pool kept one client per project and token, so a project the secret moved to
 * another space went on being served by a client of the old space. Two emulators on loopback stand for the
 * two spaces; the real client sends the requests.
 */

const PROJECT = '0b6a4f2c-3d1e-4f5a-8b9c-7d6e5f4a3b2c';
const TOKEN = 'PTclientpooltesttoken';
let spaceA: SignalWireEmulator;
let spaceB: SignalWireEmulator;

beforeAll(async () => {
  [spaceA, spaceB] = await Promise.all([
    SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: TOKEN }] }),
    SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: TOKEN }] }),
  ]);
});

afterAll(async () => {
  await Promise.all([spaceA?.stop(), spaceB?.stop()]);
});

const credentialsAt = (space: SignalWireEmulator): ProjectCredentials => ({
  projectId: PROJECT,
  apiToken: TOKEN,
  spaceOrigin: space.url,
  signingKey: undefined,
});

describe('finding 12: ClientPool keyed by project and token but not by space', () => {
  it('keeps one client per project, token and space: the same project and token in another space gets another client', async () => {
    const pool = new ClientPool({ timeoutMs: 2_000 });
    const onlyInB = spaceB.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 60 });

    const inA = pool.clientFor(credentialsAt(spaceA));
    const inB = pool.clientFor(credentialsAt(spaceB));

    expect(pool.clientFor(credentialsAt(spaceA))).not.toBe(inB);
    expect(inB).not.toBe(inA);
    // The request for the moved project reaches the new space, not the old one.
    await expect(pool.clientFor(credentialsAt(spaceB)).getCall(onlyInB.sid)).resolves.toMatchObject({
      sid: onlyInB.sid,
    });
    expect(spaceB.requests.some((request) => request.path.includes(onlyInB.sid))).toBe(true);
    expect(spaceA.requests.some((request) => request.path.includes(onlyInB.sid))).toBe(false);
  });

  it('reuses the client while project, token and space stay the same', () => {
    const pool = new ClientPool({ timeoutMs: 2_000 });
    expect(pool.clientFor(credentialsAt(spaceA))).toBe(pool.clientFor(credentialsAt(spaceA)));
  });
});
