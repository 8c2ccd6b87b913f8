import { fork } from 'node:child_process';
import type { CleanupOutcome, CleanupPlan } from '../../bench/cleanup-driver.ts';

/**
 * Runs the cleanup bench's driver bundle (bench/cleanup-driver.ts, bundled) on `plan` as the bench forks it, its
 * stdout kept: its outcome and every line it wrote.
 */
export const runCleanupDriver = (
  driver: string,
  plan: CleanupPlan,
): Promise<{ outcome: CleanupOutcome; lines: string[] }> =>
  new Promise((done, fail) => {
    const child = fork(driver, [], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: {
        PATH: process.env.PATH,
        TZ: 'UTC',
        POWERTOOLS_SERVICE_NAME: 'bench',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    let outcome: CleanupOutcome | undefined;
    child.once('message', (received) => {
      outcome = received as CleanupOutcome;
    });
    child.once('error', fail);
    child.once('close', (code) =>
      outcome && code === 0
        ? done({ outcome, lines: stdout.split(/(?<=\n)/).filter(Boolean) })
        : fail(new Error(`the cleanup driver exited ${code}`)),
    );
    child.send(plan);
  });
