import { describe, expect, it } from 'vitest';
import { cleanupScheduleName } from '../../cli/commands/cleanup.ts';
import { parseCleanupEvent } from '../../functions/commons/cleanup/policy.ts';

describe('cleanupScheduleName (the claimed name of a CLI cleanup run)', () => {
  const now = Date.UTC(2026, 10, 30);

  it('names the IAM principal, in the characters and length a schedule name allows', () => {
    expect(cleanupScheduleName('arn:aws:sts::123456789012:assumed-role/Ops/alice@example.com', now)).toBe(
      `cli-123456789012-assumed-role-Ops-alice-example.com-${now.toString(36)}`,
    );
    const long = cleanupScheduleName(`arn:aws:sts::123456789012:assumed-role/${'r'.repeat(80)}/bob`, now);
    expect(long).toHaveLength(64);
    expect(long.endsWith(`-${now.toString(36)}`)).toBe(true);
  });

  it('is accepted by the cleanup function’s own input check', () => {
    for (const principal of ['arn:aws:iam::123456789012:user/ops/carol', 'cli:dave', `x${'/'.repeat(100)}`]) {
      const scheduleName = cleanupScheduleName(principal, now);
      expect(
        parseCleanupEvent(
          { scheduleName, policy: { dryRun: true, maxAgeSeconds: { inProgress: 3600 } } },
          undefined,
        ).scheduleName,
      ).toBe(scheduleName);
    }
  });
});
