import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The launcher turns on Node's compile cache (Node 22.1+), which runs the V8 code it finds there. Node's default
 * folder, `<tmpdir>/node-compile-cache`, is shared by every user of the machine and owned by whoever made it
 * first, so the launcher keeps its cache in a folder of the user's alone, and uses none it cannot trust.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const LAUNCHER = join(ROOT, 'bin', 'call-control.mjs');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const uid = process.getuid?.() ?? -1;
const OWN = `call-control-compile-cache-${uid}`;

let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'call-control-compile-cache-test-'));
});

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** `call-control --version` with `tmp` as the temporary folder and no compile cache settings but `extra`. */
const run = (extra: NodeJS.ProcessEnv = {}) => {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, ...extra };
  for (const name of ['NODE_COMPILE_CACHE', 'NODE_DISABLE_COMPILE_CACHE'])
    if (!(name in extra)) delete env[name];
  const result = spawnSync(process.execPath, [LAUNCHER, '--version'], { encoding: 'utf8', env });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toBe(`call-control ${version}\n`);
};

/** Every file under `folder` (the cache's entries), by path. */
const filesUnder = (folder: string): string[] =>
  readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));

describe.skipIf(process.platform === 'win32')('where call-control keeps compiled code between runs', () => {
  it("in a folder of the user's alone (mode 700) in the temporary folder, never Node's shared node-compile-cache", () => {
    run();
    expect(readdirSync(tmp)).toEqual([OWN]);
    const own = lstatSync(join(tmp, OWN));
    expect(own.isDirectory()).toBe(true);
    expect(own.uid).toBe(uid);
    expect(own.mode & 0o777).toBe(0o700);
    expect(filesUnder(join(tmp, OWN)).length).toBeGreaterThan(0);
  });

  it('not in a folder already there that others can write, nor through a symbolic link: no cache, same answer', () => {
    const open = join(tmp, OWN);
    mkdirSync(open);
    chmodSync(open, 0o777);
    run();
    expect(readdirSync(tmp)).toEqual([OWN]);
    expect(filesUnder(open)).toEqual([]);

    rmSync(open, { recursive: true });
    const elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, open);
    run();
    expect(readdirSync(tmp).sort()).toEqual([OWN, 'elsewhere'].sort());
    expect(filesUnder(elsewhere)).toEqual([]);
  });

  it.runIf(uid === 0)(
    "not in a folder already there that is another user's (made first, to plant code)",
    () => {
      const planted = join(tmp, OWN);
      mkdirSync(planted, { mode: 0o700 });
      chownSync(planted, 65_534, 65_534);
      run();
      expect(readdirSync(tmp)).toEqual([OWN]);
      expect(filesUnder(planted)).toEqual([]);
    },
  );

  it("in NODE_COMPILE_CACHE when it is set, and nowhere with NODE_DISABLE_COMPILE_CACHE (Node's own switches)", () => {
    const chosen = join(tmp, 'chosen');
    run({ NODE_COMPILE_CACHE: chosen });
    expect(readdirSync(tmp)).toEqual(['chosen']);
    expect(filesUnder(chosen).length).toBeGreaterThan(0);

    rmSync(chosen, { recursive: true });
    run({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(readdirSync(tmp)).toEqual([]);
  });
});
