import { callDetails } from '../core/calls-view.ts';
import { defineCommand, printJson } from '../core/command.ts';
import { EXIT } from '../core/errors.ts';
import { openCalls } from '../core/targets.ts';
import { checkCallSid } from '../core/validate.ts';

export const command = defineCommand(
  {
    name: 'calls get',
    summary: 'Show one call as SignalWire has it now.',
    args: '<sid>',
    positionals: { min: 1, max: 1 },
    options: {},
    examples: [
      'call-control calls get 3f2a6c1e-...',
      'call-control calls get 3f2a6c1e-... -o json | jq .status',
    ],
  },
  async (context) => {
    const sid = checkCallSid(context.positionals[0]!);
    const call = await (await openCalls(context.globals)).getCall(sid);
    if (context.output === 'table') context.print(callDetails(call));
    else printJson(context, call, [call]);
    return EXIT.ok;
  },
);
