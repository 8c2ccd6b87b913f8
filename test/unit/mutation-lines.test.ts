import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * `INFRA_LINES` in stryker.config.mjs names the lines of the infra modules that `npm run mutation` mutates, each
 * range with the code it holds. Line numbers go stale silently when a file changes: the run then mutates other
 * code and docs/mutation.md keeps a score for lines that no longer hold the guarantee. This checks, with the
 * TypeScript parser and without a Stryker run, that each range is still exactly its code.
 */

const ROOT = join(import.meta.dirname, '..', '..');

interface InfraRange {
  lines: string;
  holds: readonly string[];
}

const { INFRA_LINES } = (await import(new URL('../../stryker.config.mjs', import.meta.url).href)) as {
  INFRA_LINES: Record<string, readonly InfraRange[]>;
};

const parse = (file: string): ts.SourceFile =>
  ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);

/** 1-based line of a position, as Stryker's `file:first-last` counts them. */
const lineOf = (source: ts.SourceFile, position: number): number =>
  source.getLineAndCharacterOfPosition(position).line + 1;

/**
 * The declaration or statement that begins on `line`: the outermost node starting there (its JSDoc left out),
 * e.g. a whole method for its signature's line, a whole `const` for its first line.
 */
const nodeStartingOn = (source: ts.SourceFile, line: number): ts.Node | undefined => {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (lineOf(source, node.getStart(source)) === line && lineOf(source, node.getEnd()) >= line) {
      found = node;
      return;
    }
    if (lineOf(source, node.getStart(source)) <= line && lineOf(source, node.getEnd()) >= line)
      ts.forEachChild(node, visit);
  };
  ts.forEachChild(source, visit);
  return found;
};

/**
 * Where a range's `holds` are now: from the first line of the first to the last line of the last, or why they
 * cannot be placed (a text found on no line or on several).
 */
const placeRange = (file: string, holds: readonly string[]): { lines: string } | { error: string } => {
  const source = parse(file);
  const text = source.getFullText().split('\n');
  const spans: Array<[number, number]> = [];
  for (const held of holds) {
    const at = text.flatMap((line, index) => (line.includes(held) ? [index + 1] : []));
    if (at.length !== 1)
      return { error: `${file}: "${held}" is on ${at.length === 0 ? 'no line' : `lines ${at.join(', ')}`}` };
    const node = nodeStartingOn(source, at[0] as number);
    if (!node) return { error: `${file}:${at[0]}: no declaration or statement begins there ("${held}")` };
    spans.push([lineOf(source, node.getStart(source)), lineOf(source, node.getEnd())]);
  }
  const first = Math.min(...spans.map(([start]) => start));
  const last = Math.max(...spans.map(([, end]) => end));
  return { lines: `${first}-${last}` };
};

/** Each range whose `lines` is not where its `holds` are now, with where they are. */
const staleRanges = (ranges: Record<string, readonly InfraRange[]>): string[] =>
  Object.entries(ranges).flatMap(([file, list]) =>
    list.flatMap(({ lines, holds }) => {
      const placed = placeRange(file, holds);
      if ('error' in placed) return [`${file}:${lines}: ${placed.error}`];
      return placed.lines === lines
        ? []
        : [`${file}:${lines} should be ${placed.lines} (${holds.map((held) => `"${held}"`).join(', ')})`];
    }),
  );

describe('the infra lines the mutation list mutates (INFRA_LINES in stryker.config.mjs)', () => {
  it('each range is exactly the code it names, first line to last', () => {
    expect(Object.keys(INFRA_LINES).length).toBeGreaterThan(0);
    for (const list of Object.values(INFRA_LINES)) {
      expect(list.length).toBeGreaterThan(0);
      for (const { holds } of list) expect(holds.length).toBeGreaterThan(0);
    }

    expect(staleRanges(INFRA_LINES)).toEqual([]);
  });

  it('a range left behind by an edit is reported, with where its code is now', () => {
    const holds = ['grantInvoke(grantee: IGrantable)', 'grantCleanupInvoke(grantee: IGrantable)'];
    const placed = placeRange('infra/call-control.ts', holds);
    if ('error' in placed) throw new Error(placed.error);
    const [first = 0, last = 0] = placed.lines.split('-').map(Number);

    // the code moved down two lines (a line added above it), or grew by one (a line added inside it)
    expect(staleRanges({ 'infra/call-control.ts': [{ lines: `${first - 2}-${last - 2}`, holds }] })).toEqual([
      `infra/call-control.ts:${first - 2}-${last - 2} should be ${placed.lines} ("${holds[0]}", "${holds[1]}")`,
    ]);
    const cut = { 'infra/call-control.ts': [{ lines: `${first}-${last - 1}`, holds }] };
    expect(staleRanges(cut)).toHaveLength(1);
  });

  it('a named text found on no line, or on several, is reported rather than guessed', () => {
    expect(staleRanges({ 'infra/api.ts': [{ lines: '1-1', holds: ['noSuchMethod('] }] })).toEqual([
      'infra/api.ts:1-1: infra/api.ts: "noSuchMethod(" is on no line',
    ]);
    expect(staleRanges({ 'infra/api.ts': [{ lines: '1-1', holds: ['grantee'] }] })[0]).toMatch(
      /"grantee" is on lines \d+, \d+/,
    );
  });
});
