import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * A Lambda function's environment is its configuration: a change of it starts new execution environments, it never
 * changes under a running one. Modules read it once on that promise (the audit logger's `TZ` and `POWERTOOLS_DEV`,
 * each function's settings at module scope), so no module of the functions may change it either.
 */
const ROOT = join(import.meta.dirname, '..', '..');

const FILES = readdirSync(join(ROOT, 'functions'), { withFileTypes: true, recursive: true })
  .filter(
    (entry) =>
      entry.isFile() && /\.(?:ts|mts|cts|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts'),
  )
  .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
  // The precompiled validators: Ajv's code, which reads no environment (and takes most of the parse time).
  .filter((file) => !file.startsWith(join('functions', 'commons', 'generated')));

/** `process.env`, `process.env.X` or `process.env[x]`. */
const isEnv = (node: ts.Node): boolean =>
  ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)
    ? node.expression.getText() === 'process.env' || node.getText() === 'process.env'
    : false;

/** Where `text` assigns, deletes, merges or defines into `process.env` (Object's and Reflect's too): `file:line` each. */
const envWrites = (file: string, text: string): string[] => {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const written =
      (ts.isBinaryExpression(node) &&
        node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        node.operatorToken.kind <= ts.SyntaxKind.LastAssignment &&
        isEnv(node.left)) ||
      (ts.isDeleteExpression(node) && isEnv(node.expression)) ||
      (ts.isCallExpression(node) &&
        /^(?:Object\.(?:assign|defineProperty|defineProperties)|Reflect\.(?:set|deleteProperty|defineProperty))$/.test(
          node.expression.getText(),
        ) &&
        node.arguments[0]?.getText() === 'process.env');
    if (written) found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

describe('the functions’ environment', () => {
  it('is never written by a module of the functions, so what is read of it once stays true', () => {
    expect(FILES.length).toBeGreaterThan(50);
    expect(FILES.flatMap((file) => envWrites(file, readFileSync(join(ROOT, file), 'utf8')))).toEqual([]);
  });

  it('finds an assignment, a delete, a merge and a Reflect or defineProperty write (the check above is not vacuous)', () => {
    const text = [
      "process.env.TZ = 'Europe/Paris';",
      "process.env['POWERTOOLS_DEV'] ??= 'true';",
      'delete process.env.TZ;',
      "Object.assign(process.env, { TZ: 'UTC' });",
      "Reflect.set(process.env, 'TZ', 'UTC');",
      "Object.defineProperty(process.env, 'TZ', { value: 'UTC' });",
      'const tz = process.env.TZ;',
    ].join('\n');
    expect(envWrites('x.ts', text)).toEqual(['x.ts:1', 'x.ts:2', 'x.ts:3', 'x.ts:4', 'x.ts:5', 'x.ts:6']);
  });
});
