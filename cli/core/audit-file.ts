import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { AUDIT_MESSAGE, AuditLog, AuditRecord } from '#commons/calls/audit';
import { CliError } from './errors.ts';
import { CLI_ENV } from './options.ts';
import { safeJson, visible } from './safe-text.ts';
import { writeQuietly } from './terminal.ts';

/** Where the audit records go, and whether the folder is the CLI's own (which it may tighten). */
export interface AuditFileLocation {
  file: string;
  /**
   * The CLI's own folder (`…/state/call-control`, or the local stack's state folder): an existing one that
   * others could read is tightened to 0700. A folder named through CALL_CONTROL_AUDIT_LOG is the user's
   * (their home, a project, /tmp): never chmodded, refused when others could write into it.
   */
  ownFolder: boolean;
}

/**
 * Where the CLI keeps the audit records of what it does itself (`--direct`, and in-process cleanups):
 * `CALL_CONTROL_AUDIT_LOG`, else `$XDG_STATE_HOME/call-control/audit.ndjson` (`~/.local/state/...`). An
 * empty variable counts as unset, and so does a relative XDG_STATE_HOME (the XDG Base Directory rule), so
 * records never land in whatever folder the command was run from.
 */
export const auditFileLocation = (): AuditFileLocation => {
  const named = process.env[CLI_ENV.auditLog];
  if (named) return { file: named, ownFolder: false };
  const xdg = process.env.XDG_STATE_HOME;
  let state: string;
  if (xdg && isAbsolute(xdg)) state = xdg;
  else {
    let home: string;
    try {
      home = homedir();
    } catch (error) {
      throw new CliError(
        `no folder for the audit records: HOME is not set and the user database has no home for this user (${error instanceof Error ? error.message : String(error)})`,
        `Set ${CLI_ENV.auditLog} to a file in a folder of your own (or XDG_STATE_HOME, or HOME); nothing was sent.`,
        1,
        'AUDIT_FILE_UNWRITABLE',
      );
    }
    state = join(home, '.local', 'state');
  }
  return { file: join(state, 'call-control', 'audit.ndjson'), ownFolder: true };
};

/** The audit file's path (see {@link auditFileLocation}). */
export const defaultAuditFile = (): string => auditFileLocation().file;

const uid = (): number => process.getuid?.() ?? -1;
const mode = (bits: number): string => (bits & 0o777).toString(8).padStart(4, '0');

/** The OS's reason a file could not be made or written, in words an operator can act on. */
const unwritable = (file: string, error: unknown): CliError => {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EROFS'
      ? 'the file system is read-only'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ELOOP'
          ? 'it is a symbolic link'
          : code === 'ENOTDIR'
            ? 'a part of its path is a file, not a folder'
            : code === 'ENOSPC'
              ? 'the disk is full'
              : code === 'EISDIR'
                ? 'it is a folder'
                : (error as Error).message;
  return new CliError(
    `cannot write audit records to ${file}: ${why}${code ? ` (${code})` : ''}; nothing was sent`,
    `Point ${CLI_ENV.auditLog} at a writable file in a folder of your own (the default is ~/.local/state/call-control/audit.ndjson, or under XDG_STATE_HOME).`,
    1,
    'AUDIT_FILE_UNWRITABLE',
    { cause: error },
  );
};

const refuse = (what: string, file: string): CliError =>
  new CliError(
    `refusing to write audit records to ${file}: ${what}`,
    `Point ${CLI_ENV.auditLog} at a file in a folder of your own (the default is ~/.local/state/call-control/audit.ndjson).`,
    1,
    'AUDIT_FILE_UNSAFE',
  );

/**
 * Makes the audit file this user's alone, before anything is sent: a missing folder is created 0700 and the
 * file 0600; an existing file of this user's that others could read is tightened (and `onTightened` says so),
 * and so is the CLI's own folder ({@link AuditFileLocation.ownFolder}). A folder the user named is never
 * chmodded (CALL_CONTROL_AUDIT_LOG=/tmp/audit.ndjson must not close /tmp to everyone): it is refused when others
 * could replace the file in it (writable by them, without the sticky bit). A file or folder that belongs to
 * someone else is refused, since its owner could read or rewrite the records. A folder or file that cannot be
 * made or written (read-only file system, no permission) is named with the reason.
 */
export const securePrivateFile = (
  { file, ownFolder }: AuditFileLocation,
  onTightened: (what: string) => void,
): void => {
  const folder = dirname(file);
  let folderStats: ReturnType<typeof lstatSync>;
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    folderStats = lstatSync(folder);
  } catch (error) {
    throw unwritable(file, error);
  }
  if (!folderStats.isDirectory()) throw refuse(`${folder} is not a folder`, file);
  if (uid() !== -1 && folderStats.uid !== uid())
    throw refuse(`its folder ${folder} belongs to another user`, file);
  if (ownFolder && (folderStats.mode & 0o077) !== 0) {
    try {
      chmodSync(folder, 0o700);
    } catch (error) {
      throw unwritable(file, error);
    }
    onTightened(`tightened ${folder} from ${mode(folderStats.mode)} to 0700 (it holds audit records)`);
  }
  if (!ownFolder && (folderStats.mode & 0o022) !== 0 && (folderStats.mode & 0o1000) === 0)
    throw refuse(
      `others may write into its folder ${folder} (mode ${mode(folderStats.mode)}, no sticky bit) and replace the records`,
      file,
    );
  // Opened without following a link (O_NOFOLLOW), created 0600 if missing.
  let fd: number;
  try {
    fd = openSync(
      file,
      constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw refuse('it is a symbolic link', file);
    throw unwritable(file, error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refuse('it is not a regular file', file);
    if (uid() !== -1 && stats.uid !== uid()) throw refuse('it belongs to another user', file);
    if ((stats.mode & 0o077) !== 0) {
      chmodSync(file, 0o600);
      onTightened(`tightened ${file} from ${mode(stats.mode)} to 0600 (audit records)`);
    }
    // A record cut short (the machine or the process died mid-write) would swallow the next one into an
    // unreadable line: end it first, so every record written from now on is a line of its own.
    if (stats.size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, stats.size - 1);
      if (last[0] !== 0x0a) {
        try {
          writeSync(fd, '\n');
        } catch (error) {
          throw unwritable(file, error);
        }
      }
    }
  } finally {
    closeSync(fd);
  }
};

/**
 * Appends `text` to the audit file as {@link securePrivateFile} checked it, each time anew: the path is opened
 * without following a link and the file must still be a regular file of this user's, so a file swapped for a
 * link (or another user's file) while a long run goes on is not written through. A failure carries the
 * bytes written before it as `written`.
 */
const appendRecord = (file: string, text: string): void => {
  const data = Buffer.from(text);
  const fd = openSync(
    file,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
  let written = 0;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || (uid() !== -1 && stats.uid !== uid()))
      throw refuse('it is no longer a regular file of yours', file);
    while (written < data.length) written += writeSync(fd, data, written);
  } catch (error) {
    throw Object.assign(error as Error, { written });
  } finally {
    closeSync(fd);
  }
};

/**
 * An audit log writing JSON lines shaped like the functions' Powertools log lines (`message`,
 * `timestamp`, `service`, `audit`), so the `audit` command reads both the same way. Values keep their raw
 * text, JSON-escaped (control characters included), never as terminal control.
 *
 * A record is written after its call was acted on: a write that fails then (the disk filled up, the folder
 * was removed or remounted read-only) must not turn a call that was ended into a failure ("nothing changed"),
 * nor lose the record. So it never throws: the record goes to stderr whole, as one JSON line after a warning
 * naming the file and the reason, for the operator to keep. A record cut short by such a failure is ended
 * before the next is written, so the next one (the disk has room again) is not swallowed into it.
 */
export const fileAuditLog = (
  location: AuditFileLocation,
  onTightened: (what: string) => void = (what) => process.stderr.write(`note: ${what}\n`),
  onUnwritten: (warning: string, line: string) => void = (warning, line) =>
    writeQuietly(process.stderr, `warning: ${visible(warning)}\n${line}\n`),
): AuditLog => {
  const { file } = location;
  securePrivateFile(location, onTightened);
  let cut = false;
  return {
    info(message: typeof AUDIT_MESSAGE, attributes: { audit: AuditRecord }) {
      const line = safeJson({
        level: 'INFO',
        message,
        timestamp: new Date().toISOString(),
        service: 'call-control-cli',
        ...attributes,
      });
      const text = `${cut ? '\n' : ''}${line}\n`;
      try {
        appendRecord(file, text);
        cut = false;
      } catch (error) {
        const written = (error as { written?: number }).written ?? 0;
        if (written > 0 && written < Buffer.byteLength(text)) cut = true;
        const why =
          error instanceof CliError
            ? error.message
            : unwritable(file, error).message.replace(/; nothing was sent$/, '');
        onUnwritten(`${why}; the audit record of ${attributes.audit.callSid} follows (keep it)`, line);
      }
    },
  };
};
