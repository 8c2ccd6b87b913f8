import type { CallUpdate, HttpMethod } from '#commons/signalwire/types';
import { actOnCalls } from '../core/actions.ts';
import { defineCommand } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';

export const command = defineCommand(
  {
    name: 'calls redirect',
    summary: 'Point a live call at new instructions (cXML at --url).',
    args: '<sid>',
    positionals: { min: 1, max: 1 },
    options: {
      url: {
        type: 'string',
        value: 'url',
        description: 'Absolute http(s) URL of the new instructions. Required.',
      },
      method: { type: 'string', value: 'GET|POST', description: 'How SignalWire fetches it. [default POST]' },
    },
    examples: [
      'call-control calls redirect 3f2a6c1e-... --url https://example.com/hold.xml --method GET',
      'call-control calls redirect 3f2a6c1e-... --url https://example.com/ivr --yes',
    ],
  },
  (context) => {
    const { url, method } = context.values;
    if (url === undefined) throw new UsageError('--url is required');
    const update: CallUpdate = {
      Url: url.trim(),
      ...(method !== undefined ? { Method: method.toUpperCase() as HttpMethod } : {}),
    };
    return actOnCalls(
      context,
      context.positionals,
      'Redirect',
      (backend, sid) => backend.updateCall(sid, update),
      update,
    );
  },
);
