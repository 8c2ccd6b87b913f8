import { appendFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AUDIT_MESSAGE, AuditLog, AuditRecord } from '#commons/calls/audit';

/**
 * Where the CLI keeps the audit records of what it does itself (`--direct`, and in-process cleanups):
 * `CALL_CONTROL_AUDIT_LOG`, else `$XDG_STATE_HOME/call-control/audit.ndjson` (`~/.local/state/...`).
 */
export const defaultAuditFile = (): string =>
  process.env.CALL_CONTROL_AUDIT_LOG ??
  join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'call-control', 'audit.ndjson');

/**
 * An audit log writing JSON lines shaped like the functions' Powertools log lines (`message`,
 * `timestamp`, `service`, `audit`), so the `audit` command reads both the same way.
 */
export const fileAuditLog = (file: string): AuditLog => {
  mkdirSync(dirname(file), { recursive: true });
  return {
    info(message: typeof AUDIT_MESSAGE, attributes: { audit: AuditRecord }) {
      const line = {
        level: 'INFO',
        message,
        timestamp: new Date().toISOString(),
        service: 'call-control-cli',
        ...attributes,
      };
      appendFileSync(file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    },
  };
};
