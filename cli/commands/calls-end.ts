import { actOnCalls } from '../core/actions.ts';
import { API_OPTION, checkApi } from '../core/api-option.ts';
import { defineCommand } from '../core/command.ts';

export const command = defineCommand(
  {
    name: 'calls end',
    summary:
      'End calls now, whatever their state and kind (a native call not yet answered is cancelled). Idempotent: a call already over is a success, with its outcome.',
    args: '<sid>...',
    positionals: { min: 1, max: 1000 },
    description:
      'Lists the calls and asks you to type "yes" on a terminal; refuses without --yes when not on one.',
    options: { api: API_OPTION },
    examples: [
      'call-control calls end 3f2a6c1e-...',
      'call-control calls end 3f2a6c1e-... 9b1d0a7f-... --yes -o json',
      'call-control calls end 3f2a6c1e-... --direct --yes     # the API is down',
      'call-control calls end 7c41d2b0-... --api calling --yes   # a native call (SWML, AI agent)',
    ],
  },
  (context) => {
    const api = checkApi(context.values.api);
    return actOnCalls(context, context.positionals, 'End', (backend, sid) => backend.endCall(sid, api));
  },
);
