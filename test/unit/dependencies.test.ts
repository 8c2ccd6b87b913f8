import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(root, file), 'utf8')) as T;
// The functions' dependencies are devDependencies: the package ships them inside its prebuilt bundles.
const manifest = readJson<{ devDependencies: Record<string, string> }>('package.json');
const lock = readJson<{ packages: Record<string, { version?: string }> }>('package-lock.json');

describe("the functions' dependencies", () => {
  it('pins every Powertools package to one exact version, so the lockfile holds a single copy of their commons', () => {
    // Prepare
    const powertools = Object.entries(manifest.devDependencies).filter(([name]) =>
      name.startsWith('@aws-lambda-powertools/'),
    );
    const commons = Object.entries(lock.packages).filter(([path]) =>
      path.endsWith('node_modules/@aws-lambda-powertools/commons'),
    );

    // Assess: split versions put a copy of commons in each bundle that reaches both.
    expect(powertools.length).toBeGreaterThan(0);
    expect(new Set(powertools.map(([, range]) => range)).size).toBe(1);
    expect(powertools[0]?.[1]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(commons.map(([path, { version }]) => `${path}@${version}`)).toEqual([
      `node_modules/@aws-lambda-powertools/commons@${powertools[0]?.[1]}`,
    ]);
  });

  it("installs one copy of middy's util, so the HTTP bundle carries one", () => {
    // Prepare: a middy package that pinned another util than the others would install a second copy beside it.
    const utils = Object.entries(lock.packages).filter(([path]) => path.endsWith('node_modules/@middy/util'));

    // Assess
    expect(utils.map(([path]) => path)).toEqual(['node_modules/@middy/util']);
  });

  it('lists only middy packages that the functions import (each is bundled into them, or is dead weight)', () => {
    // Prepare
    const sources = readdirSync(join(root, 'functions'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(join(root, 'functions', file), 'utf8'))
      .join('\n');
    const middy = Object.keys(manifest.devDependencies).filter((name) => name.startsWith('@middy/'));

    // Assess
    expect(middy.length).toBeGreaterThan(0);
    expect(middy.filter((name) => !sources.includes(`from '${name}'`))).toEqual([]);
  });

  it('declares every package the functions import (none arrives only as a dependency of another)', () => {
    // Prepare: bare specifiers of every import, export-from and dynamic `import()` in functions/ (tracing loads its
    // package only when enabled), reduced to their package names.
    const sources = readdirSync(join(root, 'functions'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      // Type-only imports are erased by the bundler: they name types packages (@types/aws-lambda), not code.
      .map((file) =>
        readFileSync(join(root, 'functions', file), 'utf8').replace(/\bimport type [^;]*;/g, ''),
      );
    const imported = new Set<string>();
    for (const source of sources) {
      for (const [, specifier] of source.matchAll(/(?:\bfrom |\bimport\(|^import )'([^'.#][^']*)'/gm)) {
        if (specifier === undefined || specifier.startsWith('node:')) continue;
        const parts = specifier.split('/');
        imported.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
      }
    }

    // Assess
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter((name) => !(name in manifest.devDependencies)).sort()).toEqual([]);
  });
});
