import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_ALIAS } from '../../infra/runtime.ts';

/**
 * What bench/bundle-size.ts's "missed" note says of the AWS SDK modules the stand-ins leave in http-api: the
 * Secrets Manager client reaches them by package path (so an alias could replace them), as it reaches the
 * modules the aliases do replace. Read from the installed client, so an SDK upgrade that changes it is noticed.
 */

const clientDirectory = join(
  dirname(createRequire(import.meta.url).resolve('@aws-sdk/client-secrets-manager/package.json')),
  'dist-es',
);

const importsOf = (file: string): string[] =>
  [...readFileSync(join(clientDirectory, file), 'utf8').matchAll(/from "([^"]+)"/g)].map(
    (match) => match[1] ?? '',
  );

const CLIENT_FILES = ['SecretsManagerClient.js', 'runtimeConfig.js', 'runtimeConfig.shared.js'];

describe('the Secrets Manager client the bundles carry', () => {
  it('imports the SDK modules the bundle-size note names by package path', () => {
    const imports = new Set(CLIENT_FILES.flatMap(importsOf));

    for (const path of [
      '@smithy/core/retry',
      '@smithy/core/endpoints',
      '@smithy/core/schema',
      '@smithy/core/protocols',
      '@aws-sdk/core/client',
    ]) {
      expect(imports, path).toContain(path);
    }
  });

  it('takes every module the bundles replace by the package path the alias names', () => {
    const imports = new Set(CLIENT_FILES.flatMap(importsOf));

    for (const replaced of [
      '@smithy/node-http-handler',
      '@smithy/core/config',
      '@smithy/core/checksum',
      '@aws-sdk/credential-provider-node',
    ]) {
      expect(imports, replaced).toContain(replaced);
      expect(BUNDLE_ALIAS, replaced).toHaveProperty([replaced]);
    }
  });
});
