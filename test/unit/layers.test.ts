import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const commons = join(root, 'functions', 'commons');
const aliases: Record<string, string> = { '#commons/': `${commons}/` };

/** Every project file a module imports, transitively (relative and `#commons/` specifiers, types included). */
const importsOf = (entry: string): Set<string> => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier = ''] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const alias = Object.keys(aliases).find((prefix) => specifier.startsWith(prefix));
      const target = alias
        ? `${aliases[alias]}${specifier.slice(alias.length)}`
        : specifier.startsWith('.')
          ? resolve(dirname(file), specifier)
          : undefined;
      if (target === undefined) continue;
      const file2 = /\.(ts|cjs)$/.test(target) ? target : `${target}.ts`;
      if (file2.endsWith('.ts')) visit(file2);
    }
  };
  visit(entry);
  seen.delete(entry);
  return seen;
};

const under = (folder: string) => (file: string) => relative(folder, file).split('/')[0] !== '..';

describe('issue 18 item 2: the cursor out of the domain', () => {
  const adapter = readdirSync(join(commons, 'signalwire'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `signalwire/${name}`);

  it.each(['calls/port.ts', 'calls/service.ts', ...adapter])(
    'commons/%s imports nothing from http/, directly or not',
    (file) => {
      const fromHttp = [...importsOf(join(commons, file))].filter(under(join(commons, 'http')));

      expect(fromHttp.map((path) => relative(root, path))).toEqual([]);
    },
  );

  it('leaves no trace of cursors in the port', () => {
    expect(readFileSync(join(commons, 'calls', 'port.ts'), 'utf8')).not.toMatch(/cursor/i);
  });
});
