import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * SignalWire access (secret source, credentials cache, client pool, per-project Calls API) is built in one
 * place, `functions/commons/signalwire/compose-access.ts`, for the four functions (through `access.ts`), the
 * local stack (which runs those functions) and the CLI's targets. A second place that wires them by hand is how
 * the CLI once kept a different timeout and cache age without anyone deciding it.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const COMPOSITION_ROOT = 'functions/commons/signalwire/compose-access.ts';
const PARTS = ['CredentialsStore', 'SecretsManagerSource', 'ClientPool', 'AccountCalls'];

const sources = ['functions', 'infra', 'local', 'cli', 'scripts', 'bench'].flatMap((dir) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name))),
);

const constructing = (part: string): string[] =>
  sources.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes(`new ${part}(`));

describe('the composition root of SignalWire access', () => {
  it.each(PARTS)('is the only source that constructs a %s', (part) => {
    expect(constructing(part)).toEqual([COMPOSITION_ROOT]);
  });

  it('is what the functions, the status-callback signing keys and the CLI targets build their access from', () => {
    const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

    for (const handler of ['http-api', 'call-update-events', 'cleanup', 'status-callback']) {
      expect(read(`functions/${handler}.ts`), handler).toContain('createSignalWireAccess(');
    }
    expect(read('functions/commons/signalwire/access.ts')).toContain('composeSignalWireAccess(');
    const cli = sources.filter(
      (file) => file.startsWith('cli/') && read(file).includes('composeSignalWireAccess('),
    );
    expect(cli.length).toBeGreaterThan(0);
  });
});
