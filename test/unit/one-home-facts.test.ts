import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_NAMESPACE } from '#commons/platform/metric-names';
import { DEFAULT_STACK_NAME, ENV, REMEMBERED_SECONDS } from '#commons/platform/settings';
import { isStateConflictCode, STATE_CONFLICT_CODES, terminateChange } from '#commons/signalwire/api-facts';

/**
 * Each fact the functions, the infra, the local stack and the CLI share is written once and imported: a
 * literal copied into a second home drifts (the CLI's 6-minute wait once outlived a change of the cleanup's
 * timeout in review only). Checked on the parsed source, so comments and prose do not count, code does.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const files = ['functions', 'infra', 'local', 'cli'].flatMap((dir) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name))),
);
/** The SignalWire emulator answers as SignalWire does on its own: it must not borrow the functions' facts. */
const EMULATOR = /^local\/(signalwire\/|signalwire-emulator)/;

/**
 * Files whose code (not comments) holds `literal` as a string or number literal, or reads it as a name from the
 * environment (`process.env.NAME`, which holds the name without quoting it).
 */
const holding = (literal: string | number): string[] =>
  files.filter((file) => {
    const source = ts.createSourceFile(
      file,
      readFileSync(join(ROOT, file), 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    let found = false;
    const visit = (node: ts.Node): void => {
      if (typeof literal === 'string' && ts.isStringLiteralLike(node) && node.text === literal) found = true;
      if (
        typeof literal === 'string' &&
        ts.isPropertyAccessExpression(node) &&
        node.name.text === literal &&
        node.expression.getText(source) === 'process.env'
      )
        found = true;
      if (
        typeof literal === 'number' &&
        ts.isNumericLiteral(node) &&
        Number(node.text.replaceAll('_', '')) === literal
      )
        found = true;
      if (!found) ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
  });

describe('every shared fact has one home', () => {
  it('SignalWire’s state-conflict codes are written only in signalwire/api-facts.ts', () => {
    expect([...STATE_CONFLICT_CODES]).toEqual([10000, 21220]);
    expect([isStateConflictCode(21220), isStateConflictCode(20404), isStateConflictCode(undefined)]).toEqual([
      true,
      false,
      false,
    ]);
    expect(holding(21220).filter((file) => !EMULATOR.test(file))).toEqual([
      'functions/commons/signalwire/api-facts.ts',
    ]);
  });

  it('what a terminate sends is one change, Status completed', () => {
    expect(terminateChange()).toEqual({ Status: 'completed' });
  });

  it.each(Object.values(ENV))(
    'the environment variable name %s is written only in platform/settings.ts (process.env.NAME included)',
    (name) => {
      expect(holding(name)).toEqual(['functions/commons/platform/settings.ts']);
    },
  );

  it('the default stack name and metrics namespace each have one home, which cdk.json agrees with', () => {
    const cdk = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
      context: { stackName: string };
    };

    expect(cdk.context.stackName).toBe(DEFAULT_STACK_NAME);
    expect(holding(DEFAULT_STACK_NAME).sort()).toEqual(
      ['functions/commons/platform/metric-names.ts', 'functions/commons/platform/settings.ts'].filter(
        (file) => DEFAULT_METRICS_NAMESPACE === DEFAULT_STACK_NAME || file.endsWith('settings.ts'),
      ),
    );
  });

  it('the request deadline margin and the 64-character cut are declared once', () => {
    const declaring = (name: string) =>
      files.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes(`const ${name} =`));

    expect(declaring('REQUEST_DEADLINE_MARGIN_MS')).toEqual(['functions/commons/platform/settings.ts']);
    expect(
      files.filter((file) => /slice\(0, 64\)|CHARS = 64\b/.test(readFileSync(join(ROOT, file), 'utf8'))),
    ).toEqual(['functions/commons/platform/settings.ts']);
  });

  it('the replay window the construct accepts is the one the functions remember for (REMEMBERED_SECONDS)', () => {
    const infra = readFileSync(join(ROOT, 'infra/props-validation.ts'), 'utf8');

    expect(infra).not.toMatch(/30 \* 86_400|>= 60 &&/);
    expect(infra).toContain('REMEMBERED_SECONDS.max');
    expect(REMEMBERED_SECONDS).toMatchObject({ min: 60, max: 2_592_000 });
  });
});
