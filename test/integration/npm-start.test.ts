import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStateDir } from '../../cli/core/local-state.ts';
import { buildCli } from '../../scripts/build-cli.ts';
import { collectRun } from '../support/cli-process.ts';

/**
 * `npm start` itself (local/start.ts, as `npm start` runs it), on `PORT=0`: the stack takes a free port, and the
 * CLI commands it prints find that stack as written. Two such stacks at once each get their own port and their
 * own state folder.
 */

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const started: ChildProcess[] = [];
const ports: number[] = [];
let bundle: string;

/** Starts `npm start`'s script with PORT=0 and resolves with what it printed once its commands are out. */
const startOnAnyPort = (): Promise<string> =>
  new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    delete env.CALL_CONTROL_LOCAL_STATE_DIR;
    const child = spawn(tsx, ['local/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`npm start printed no commands: ${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/npx call-control audit .*--call/.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${out}`)));
  });

beforeAll(async () => {
  bundle = await buildCli(join(root, 'dist', 'cli-npm-start-test'));
}, 60_000);

afterAll(() => {
  for (const child of started) child.kill('SIGTERM');
  for (const port of ports) rmSync(localStateDir(port), { recursive: true, force: true });
});

describe('npm start on PORT=0', () => {
  it('takes a free port per stack, and the CLI commands each prints find its own stack', async () => {
    const banners = await Promise.all([startOnAnyPort(), startOnAnyPort()]);
    const listings = banners.map((banner) => {
      const port = Number(/running locally on http:\/\/localhost:(\d+)/.exec(banner)?.[1]);
      ports.push(port);
      const command = /npx call-control calls list (--local --port \d+)/.exec(banner);
      expect(port).toBeGreaterThan(0);
      expect(command?.[1]).toBe(`--local --port ${port}`);
      return { port, args: ['calls', 'list', '--local', '--port', String(port), '-o', 'json'] };
    });
    expect(listings[0]?.port).not.toBe(listings[1]?.port);
    for (const { args } of listings) {
      const env = { ...process.env };
      delete env.CALL_CONTROL_LOCAL_STATE_DIR;
      delete env.PORT;
      const run = await collectRun(spawn(process.execPath, [bundle, ...args], { env }), 30_000);
      expect(run.code, run.stderr).toBe(0);
      const { calls } = JSON.parse(run.stdout) as { calls: Array<{ sid: string; api: string }> };
      // The seeded calls of both kinds, from this stack's own emulator.
      expect(new Set(calls.map((call) => call.api))).toEqual(new Set(['compatibility', 'calling']));
    }
  }, 120_000);
});

describe('npm start on a port that is taken', () => {
  it('says the port is in use and how to pick another, in two lines without a stack trace, and exits 1', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    ports.push(port);
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
      delete env.CALL_CONTROL_LOCAL_STATE_DIR;
      const run = await collectRun(spawn(tsx, ['local/start.ts'], { cwd: root, env }), 60_000);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`npm start: port ${port} is already in use`);
      expect(run.stderr).toContain('PORT=0 npm start');
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toContain('EADDRINUSE');
      expect(run.stdout).not.toContain('running locally');
    } finally {
      holder.close();
    }
  }, 90_000);
});
