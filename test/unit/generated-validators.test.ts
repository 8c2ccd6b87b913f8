import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../../scripts/compile-validators.ts';

describe('precompiled validators', () => {
  it('are up to date with the schemas they are generated from (else run `npm run validators`)', () => {
    const { js, dts } = generate();

    expect(
      readFileSync(new URL('../../functions/commons/generated/validators.cjs', import.meta.url), 'utf8'),
    ).toBe(js);
    expect(
      readFileSync(new URL('../../functions/commons/generated/validators.d.cts', import.meta.url), 'utf8'),
    ).toBe(dts);
  });

  it('export every validator of the registry, callable from ES modules', async () => {
    const validators = await import('#commons/generated/validators');

    expect(validators.validateUpdateCallEvent({ pathParameters: { callSid: 'x' }, body: {} })).toBe(false);
    expect(
      validators.validateGetCallEvent({
        pathParameters: { callSid: 'b3877c40-da60-4998-90ad-b792e98472ca' },
      }),
    ).toBe(true);
  });
});
