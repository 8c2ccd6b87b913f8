import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate, generatedPath } from '../../scripts/compile-validators.ts';

describe('precompiled validators', () => {
  it.each(generate())(
    '$module is up to date with the registry (else run `npm run validators`)',
    ({ module, js, dts }) => {
      expect(readFileSync(generatedPath(module, 'js'), 'utf8')).toBe(js);
      expect(readFileSync(generatedPath(module, 'd.ts'), 'utf8')).toBe(dts);
    },
  );

  it('check page sizes as decimal text, never coerce to or from arrays, and coerce nothing in strict documents', async () => {
    const http = await import('#commons/generated/validators');
    const strict = await import('#commons/generated/strict-validators');
    const list = { queryStringParameters: { pageSize: '5' } };

    expect(http.validateListCallsEvent(list)).toBe(true);
    expect(list.queryStringParameters.pageSize).toBe('5');
    for (const pageSize of ['0x10', '1e3', 'Infinity', ' 5']) {
      expect(http.validateListCallsEvent({ queryStringParameters: { pageSize } }), pageSize).toBe(false);
    }
    expect(http.validateListCallsEvent({ queryStringParameters: { status: ['queued'] } })).toBe(false);
    expect(
      http.validateUpdateCallEvent({
        pathParameters: { callSid: '0f0e0d0c-0b0a-4909-8807-060504030201' },
        body: { Status: ['completed'] },
      }),
    ).toBe(false);
    expect(strict.validateCleanupPolicyInput({ maxCallsToEnd: '300' })).toBe(false);
    expect(strict.validateCleanupPolicyInput({ maxCallsToEnd: 300 })).toBe(true);
  });
});
