import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NormalizedSchema } from '@smithy/core/schema';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BUNDLE_ALIAS, functionBundleOptions } from '../../infra/runtime.ts';

/**
 * The bundles replace `@smithy/core/event-streams` with a stand-in that refuses every stream (infra/runtime.ts,
 * functions/commons/platform/aws-event-streams.ts): the AWS SDK uses it only for an operation that streams
 * events. This holds the functions to never sending such an operation, for every AWS client they import, so a new import, a new
 * command or an SDK update that adds a stream to an operation they use fails here rather than in production.
 */

const root = join(import.meta.dirname, '..', '..');
const sources = (readdirSync(join(root, 'functions'), { recursive: true }) as string[])
  .filter((file) => file.endsWith('.ts'))
  .map((file) => readFileSync(join(root, 'functions', file), 'utf8'))
  .join('\n');

/** Every `@aws-sdk/client-*` the functions import (Powertools' providers use the same clients). */
const clients = [
  ...new Set([...sources.matchAll(/'(@aws-sdk\/client-[a-z0-9-]+)'/g)].map((match) => match[1])),
]
  .filter((name): name is string => name !== undefined)
  .sort();

/** The names of the client's commands whose input or output is an event stream. */
const streamingCommands = async (client: string): Promise<{ commands: number; streaming: string[] }> => {
  const module = (await import(client)) as Record<string, unknown>;
  const streaming: string[] = [];
  let commands = 0;
  for (const [name, value] of Object.entries(module)) {
    if (!name.endsWith('Command') || typeof value !== 'function') continue;
    const schema = (new (value as new (input: object) => { schema?: unknown })({}) as { schema?: unknown })
      .schema;
    // An operation schema is [9, namespace, name, traits, input, output].
    if (!Array.isArray(schema) || schema[0] !== 9) continue;
    commands += 1;
    const [, , , , input, output] = schema as [number, string, string, unknown, unknown, unknown];
    const member = (shape: unknown) => NormalizedSchema.of(shape as never).getEventStreamMember();
    if (member(input) || member(output)) streaming.push(name);
  }
  return { commands, streaming };
};

describe('AWS operations that stream events, left out of the bundles', () => {
  it('are found by their schemas (CloudWatch Logs StartLiveTail streams, StartQuery does not)', async () => {
    // Act
    const { commands, streaming } = await streamingCommands('@aws-sdk/client-cloudwatch-logs');

    // Assess
    expect(commands).toBeGreaterThan(50);
    expect(streaming).toContain('StartLiveTailCommand');
    expect(streaming).not.toContain('StartQueryCommand');
  });

  it.each(clients)('are never sent by the functions through %s', async (client) => {
    // Act
    const { commands, streaming } = await streamingCommands(client);

    // Assess: the client's operations were read, and none that streams is named in the functions' code.
    expect(BUNDLE_ALIAS['@smithy/core/event-streams']).toMatch(/aws-event-streams\.ts$/);
    expect(commands).toBeGreaterThan(0);
    expect(streaming.filter((command) => sources.includes(command.replace(/Command$/, '')))).toEqual([]);
  });

  it('cover the clients the bundles carry', () => {
    expect(clients).toEqual(
      expect.arrayContaining(['@aws-sdk/client-secrets-manager', '@aws-sdk/client-eventbridge']),
    );
  });

  it('leave a bundle that imports a client statically loadable on its own, its streams refused by name', async () => {
    // Prepare: CloudWatch Logs' client imports the event-stream serde statically (audit-search's bundle carries
    // it) and builds its marshaller when constructed. Bundled as a function is, into a directory without any
    // node_modules above it, as in Lambda.
    const scratch = mkdtempSync(join(tmpdir(), 'event-streams-'));
    try {
      const entry = join(scratch, 'entry.mjs');
      writeFileSync(
        entry,
        [
          "import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';",
          "const client = new CloudWatchLogsClient({ region: 'us-east-1' });",
          'let refused;',
          'try { client.config.eventStreamMarshaller.deserialize(); } catch (error) { refused = error.name; }',
          'process.stdout.write(JSON.stringify({ refused }));',
        ].join('\n'),
      );
      const outfile = join(scratch, 'out', 'index.mjs');
      await build({
        ...functionBundleOptions(false),
        absWorkingDir: root,
        nodePaths: [join(root, 'node_modules')],
        entryPoints: [entry],
        outfile,
        logLevel: 'error',
      });

      // Act
      const { stdout, stderr, status } = spawnSync(process.execPath, [outfile], {
        encoding: 'utf8',
        cwd: scratch,
      });

      // Assess
      expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
      expect(JSON.parse(stdout)).toEqual({ refused: 'EventStreamsNotBundledError' });
      expect(readFileSync(outfile, 'utf8')).not.toMatch(/from\s*["']@smithy\//);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
