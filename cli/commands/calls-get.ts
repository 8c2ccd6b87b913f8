import { API_OPTION, checkApi } from '../core/api-option.ts';
import { apiOf } from '../core/backend.ts';
import { callDetails } from '../core/calls-view.ts';
import { defineCommand, printJson } from '../core/command.ts';
import { EXIT } from '../core/errors.ts';
import { openCalls } from '../core/targets.ts';
import { checkCallSid } from '../core/validate.ts';

export const command = defineCommand(
  {
    name: 'calls get',
    summary: 'Show one call as SignalWire has it now, of either kind (a native call from its voice log).',
    args: '<sid>',
    positionals: { min: 1, max: 1 },
    options: { api: API_OPTION },
    examples: [
      'call-control calls get 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab',
      'call-control calls get 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab -o json | jq .status',
      'call-control calls get 7c41d2b0-5e6f-4a7b-9c8d-0e1f2a3b4c5d --api calling -o json | jq .api',
    ],
  },
  async (context) => {
    const sid = checkCallSid(context.positionals[0]!);
    const api = checkApi(context.values.api);
    const read = await (await openCalls(context.globals)).getCall(sid, api);
    const call = { ...read, api: apiOf(read) };
    if (context.output === 'table') context.print(callDetails(call));
    else printJson(context, call, [call]);
    return EXIT.ok;
  },
);
