import { CALL_UPDATE_FIELDS, type CallUpdate, UPDATE_STATUSES } from '#commons/signalwire/types';
import { actOnCalls } from '../core/actions.ts';
import { API_OPTION, checkApi } from '../core/api-option.ts';
import { checkChoice } from '../core/choice.ts';
import { defineCommand } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';

/** `--fallback-url` for `FallbackUrl`: SignalWire's seven fields, as flags. */
const flagOf = (field: string): string =>
  field.replace(/[A-Z]/g, (letter, at: number) => `${at > 0 ? '-' : ''}${letter.toLowerCase()}`);

const url = (description: string) => ({ type: 'string', value: 'url', description }) as const;
const method = (description: string) =>
  ({ type: 'string', value: 'GET|POST', caseless: true, description }) as const;

export const command = defineCommand(
  {
    name: 'calls update',
    summary: 'Update any of the seven fields of Update a Call, checked by the same rules as the API.',
    args: '<sid>',
    positionals: { min: 1, max: 1 },
    description: [
      'Never --status and --url together: end the call or redirect it, not both.',
      'A native call (KIND native) takes --url, --fallback-url (with --url) and --status; the method and ' +
        'status-callback fields are Compatibility API fields and are refused by name, nothing sent.',
    ],
    options: {
      url: url('New instructions URL (redirect).'),
      method: method('GET or POST, for --url.'),
      status: {
        type: 'string',
        value: 'status',
        caseless: true,
        description: 'completed (hang up) or canceled (only a call not yet answered).',
      },
      'fallback-url': url('URL used when --url fails.'),
      'fallback-method': method('GET or POST, for --fallback-url.'),
      'status-callback': url('URL told of the call’s status changes.'),
      'status-callback-method': method('GET or POST, for --status-callback.'),
      api: API_OPTION,
    },
    examples: [
      'call-control calls update 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab --status-callback https://example.com/status --status-callback-method POST',
      'call-control calls update 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab --status canceled --yes',
    ],
  },
  (context) => {
    const api = checkApi(context.values.api);
    const values: Record<string, string | undefined> = context.values;
    const update: Record<string, string> = {};
    // `--api` is the command's own option, not a field of the update.
    for (const field of CALL_UPDATE_FIELDS) {
      const value = values[flagOf(field)];
      if (value === undefined) continue;
      update[field] = field.endsWith('Method')
        ? value.toUpperCase()
        : field === 'Status'
          ? checkChoice(value, '--status', UPDATE_STATUSES)
          : value;
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
      (backend, sid) => backend.updateCall(sid, change, api),
      { update: change },
    );
  },
);
