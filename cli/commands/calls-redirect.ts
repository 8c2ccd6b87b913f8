import type { CallUpdate, HttpMethod } from '#commons/signalwire/types';
import { actOnCalls } from '../core/actions.ts';
import { API_OPTION, checkApi } from '../core/api-option.ts';
import { defineCommand } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';

export const command = defineCommand(
  {
    name: 'calls redirect',
    summary:
      'Point a live call at new instructions: cXML at --url for a Compatibility call, SWML for a native one.',
    args: '<sid>',
    positionals: { min: 1, max: 1 },
    description: [
      'A native call (KIND native: SWML, RELAY, AI agents) is redirected with the Calling API’s update; it has ' +
        'no --method (refused by name, nothing sent). A redirect is sent at most once.',
    ],
    options: {
      url: {
        type: 'string',
        value: 'url',
        description: 'Absolute http(s) URL of the new instructions. Required.',
      },
      method: {
        type: 'string',
        value: 'GET|POST',
        caseless: true,
        description: 'How SignalWire fetches it (Compatibility calls only). [default POST]',
      },
      api: API_OPTION,
    },
    examples: [
      'call-control calls redirect 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab --url https://example.com/hold.xml --method GET',
      'call-control calls redirect 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab --url https://example.com/ivr --yes',
      'call-control calls redirect 7c41d2b0-5e6f-4a7b-9c8d-0e1f2a3b4c5d --url https://example.com/hold.swml --api calling',
    ],
  },
  (context) => {
    const { url, method } = context.values;
    const api = checkApi(context.values.api);
    if (url === undefined) throw new UsageError('--url is required');
    const update: CallUpdate = {
      Url: url.trim(),
      ...(method !== undefined ? { Method: method.toUpperCase() as HttpMethod } : {}),
    };
    return actOnCalls(
      context,
      context.positionals,
      'Redirect',
      (backend, sid) => backend.updateCall(sid, update, api),
      { update },
    );
  },
);
