/**
 * What `npm pack` and `npm publish` ship as package.json and README.md: `prepack` (after the build) runs
 * `tsx scripts/pack-manifest.ts prepare`, `postpack` runs `… restore`.
 *
 * `prepare` keeps the repository's package.json and README.md aside (in .tmp/pack-backup/), then writes a
 * package.json without what only this repository uses (scripts, devDependencies, overrides, allowScripts, and
 * the `imports` map that points at TypeScript sources the tarball does not hold) and the README for people who
 * install the package (packaging/README.md). `restore` puts the originals back. A pack that died half way
 * leaves the backup behind: the next `prepare` (or `restore`) puts it back first, so a rewritten file never
 * becomes the source.
 *
 * Chosen over a publish folder because `npm pack` and `npm publish` keep working from the repository root as
 * they are, and the consumer suite packs exactly that way.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BACKUP = join(ROOT, '.tmp', 'pack-backup');
/** The files rewritten for the tarball, each with the file it is rewritten from (undefined: generated). */
const REWRITTEN = ['package.json', 'README.md'] as const;
/** The README people who install the package read (npm always ships the root README.md). */
export const PACKAGE_README = join(ROOT, 'packaging', 'README.md');

/** Fields of the repository's package.json that only matter inside the repository. */
export const REPOSITORY_ONLY_FIELDS = [
  'scripts',
  'devDependencies',
  'overrides',
  'allowScripts',
  'imports',
] as const;

/** The manifest as shipped: the repository's, less what only the repository uses. */
export const packedManifest = (manifest: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(manifest).filter(
      ([field]) => !(REPOSITORY_ONLY_FIELDS as readonly string[]).includes(field),
    ),
  );

const restore = (): boolean => {
  if (!existsSync(BACKUP)) return false;
  for (const file of REWRITTEN) {
    const saved = join(BACKUP, file);
    if (existsSync(saved)) copyFileSync(saved, join(ROOT, file));
  }
  rmSync(BACKUP, { recursive: true, force: true });
  return true;
};

const prepare = (): void => {
  if (restore())
    console.error('pack-manifest: put back package.json and README.md left over by an earlier pack');
  mkdirSync(BACKUP, { recursive: true });
  for (const file of REWRITTEN) copyFileSync(join(ROOT, file), join(BACKUP, file));
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(ROOT, 'package.json'), `${JSON.stringify(packedManifest(manifest), null, 2)}\n`);
  copyFileSync(PACKAGE_README, join(ROOT, 'README.md'));
};

if (process.argv[1] === import.meta.filename) {
  const command = process.argv[2];
  if (command === 'prepare') prepare();
  else if (command === 'restore') restore();
  else {
    console.error('usage: tsx scripts/pack-manifest.ts prepare|restore');
    process.exitCode = 2;
  }
}
