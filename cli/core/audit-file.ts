import { appendFileSync, chmodSync, closeSync, fstatSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AUDIT_MESSAGE, AuditLog, AuditRecord } from '#commons/calls/audit';
import { CliError } from './errors.ts';
import { CLI_ENV } from './options.ts';
import { safeJson } from './safe-text.ts';

/**
 * Where the CLI keeps the audit records of what it does itself (`--direct`, and in-process cleanups):
 * `CALL_CONTROL_AUDIT_LOG`, else `$XDG_STATE_HOME/call-control/audit.ndjson` (`~/.local/state/...`).
 */
export const defaultAuditFile = (): string =>
  process.env[CLI_ENV.auditLog] ??
  join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'call-control', 'audit.ndjson');

const uid = (): number => process.getuid?.() ?? -1;
const mode = (bits: number): string => (bits & 0o777).toString(8).padStart(4, '0');

const refuse = (what: string, file: string): CliError =>
  new CliError(
    `refusing to write audit records to ${file}: ${what}`,
    `Point ${CLI_ENV.auditLog} at a file in a folder of your own (the default is ~/.local/state/call-control/audit.ndjson).`,
    1,
    'AUDIT_FILE_UNSAFE',
  );

/**
 * Makes the audit file's folder and the file this user's alone: created 0700 / 0600; an existing folder or
 * file of this user's that others could read is tightened (and `onTightened` says so); one that belongs to
 * someone else is refused, since its owner could read or rewrite the records.
 */
export const securePrivateFile = (file: string, onTightened: (what: string) => void): void => {
  const folder = dirname(file);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const folderStats = lstatSync(folder);
  if (!folderStats.isDirectory()) throw refuse(`${folder} is not a folder`, file);
  if (uid() !== -1 && folderStats.uid !== uid())
    throw refuse(`its folder ${folder} belongs to another user`, file);
  if ((folderStats.mode & 0o077) !== 0) {
    chmodSync(folder, 0o700);
    onTightened(`tightened ${folder} from ${mode(folderStats.mode)} to 0700 (it holds audit records)`);
  }
  // Opened without following a link, created 0600 if missing.
  const fd = openSync(file, 'a', 0o600);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refuse('it is not a regular file', file);
    if (uid() !== -1 && stats.uid !== uid()) throw refuse('it belongs to another user', file);
    if ((stats.mode & 0o077) !== 0) {
      chmodSync(file, 0o600);
      onTightened(`tightened ${file} from ${mode(stats.mode)} to 0600 (audit records)`);
    }
  } finally {
    closeSync(fd);
  }
};

/**
 * An audit log writing JSON lines shaped like the functions' Powertools log lines (`message`,
 * `timestamp`, `service`, `audit`), so the `audit` command reads both the same way. Values keep their raw
 * text, JSON-escaped (control characters included), never as terminal control.
 */
export const fileAuditLog = (
  file: string,
  onTightened: (what: string) => void = (what) => process.stderr.write(`note: ${what}\n`),
): AuditLog => {
  securePrivateFile(file, onTightened);
  return {
    info(message: typeof AUDIT_MESSAGE, attributes: { audit: AuditRecord }) {
      const line = {
        level: 'INFO',
        message,
        timestamp: new Date().toISOString(),
        service: 'call-control-cli',
        ...attributes,
      };
      appendFileSync(file, `${safeJson(line)}\n`, { mode: 0o600 });
    },
  };
};
