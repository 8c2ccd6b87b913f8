import { describe, expect, it, vi } from 'vitest';

// A default other than the shipped one: the help must follow the policy's default, not a copy of it.
vi.mock('#commons/cleanup/policy', async (original) => {
  const actual = await original<typeof import('#commons/cleanup/policy')>();
  return { ...actual, POLICY_DEFAULTS: { ...actual.POLICY_DEFAULTS, maxCallsToEnd: 7 } };
});

describe('call-control cleanup --help', () => {
  it('states the circuit breaker’s default from the cleanup policy’s own default', async () => {
    const { command } = await import('../../cli/commands/cleanup.ts');
    const maxCalls = (command.spec.options as Record<string, { description: string }>)['max-calls'];
    expect(maxCalls?.description).toBe('Circuit breaker: at most n end requests. [default 7]');
  });
});
