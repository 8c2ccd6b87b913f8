import { CALL_UPDATE_FIELDS, type CallUpdate } from '#commons/signalwire/types';
import { actOnCalls } from '../core/actions.ts';
import type { CommandContext, CommandSpec, OptionSpec } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';

/** `--fallback-url` for `FallbackUrl`: SignalWire's seven fields, as flags. */
const flagOf = (field: string): string =>
  field.replace(/[A-Z]/g, (letter, at: number) => `${at > 0 ? '-' : ''}${letter.toLowerCase()}`);

const DESCRIPTIONS: Record<(typeof CALL_UPDATE_FIELDS)[number], string> = {
  Url: 'New instructions URL (redirect).',
  Method: 'GET or POST, for --url.',
  Status: 'completed (hang up) or canceled (only a call not yet answered).',
  FallbackUrl: 'URL used when --url fails.',
  FallbackMethod: 'GET or POST, for --fallback-url.',
  StatusCallback: 'URL told of the call’s status changes.',
  StatusCallbackMethod: 'GET or POST, for --status-callback.',
};

export const spec: CommandSpec = {
  name: 'calls update',
  summary: 'Update any of the seven fields of Update a Call, checked by the same rules as the API.',
  args: '<sid>',
  positionals: { min: 1, max: 1 },
  description: 'Never --status and --url together: end the call or redirect it, not both.',
  options: Object.fromEntries(
    CALL_UPDATE_FIELDS.map((field): [string, OptionSpec] => [
      flagOf(field),
      {
        type: 'string',
        value: field.endsWith('Method') ? 'GET|POST' : field === 'Status' ? 'status' : 'url',
        description: DESCRIPTIONS[field],
      },
    ]),
  ),
  examples: [
    'call-control calls update 3f2a6c1e-... --status-callback https://example.com/status --status-callback-method POST',
    'call-control calls update 3f2a6c1e-... --status canceled --yes',
  ],
};

export const run = (context: CommandContext): Promise<number> => {
  const update: Record<string, string> = {};
  for (const field of CALL_UPDATE_FIELDS) {
    const value = context.values[flagOf(field)];
    if (typeof value === 'string') update[field] = field.endsWith('Method') ? value.toUpperCase() : value;
  }
  if (Object.keys(update).length === 0) {
    throw new UsageError(
      `give at least one of ${CALL_UPDATE_FIELDS.map((field) => `--${flagOf(field)}`).join(', ')}`,
    );
  }
  const change = update as CallUpdate;
  return actOnCalls(
    context,
    context.positionals,
    'Update',
    (backend, sid) => backend.updateCall(sid, change),
    change,
  );
};
