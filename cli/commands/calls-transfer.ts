import { validateTransferCallEvent } from '#commons/generated/validators';
import { destProblem } from '#commons/validation/violations';
import { actOnCalls } from '../core/actions.ts';
import { checkApi } from '../core/api-option.ts';
import { defineCommand } from '../core/command.ts';
import { forCall, UsageError } from '../core/errors.ts';
import { echo } from '../core/safe-text.ts';
import { checkCallSid } from '../core/validate.ts';

/**
 * `--to` checked before anything is sent, by the API's own precompiled rule for `dest` (so `--direct` refuses
 * what the API refuses): a SIP URI, an E.164 number or an http(s) URL of SWML, without `user:password@`.
 */
const checkDestination = (value: string | undefined): string => {
  if (value === undefined)
    throw new UsageError('--to is required: the SIP URI, number or SWML URL to transfer to');
  const dest = value.trim();
  if (!validateTransferCallEvent({ pathParameters: { callSid: SAMPLE_SID }, body: { dest } })) {
    // Why, when it says which kind it meant to be (in words of fixed text and an ASCII host: nothing a terminal reads).
    const problem = destProblem(dest);
    throw new UsageError(
      `--to must be a SIP URI (sip:agent@example.com), an E.164 number (+13105550100) or an http(s) URL of SWML, got "${echo(value)}"${problem ? `: ${problem}` : ''}`,
    );
  }
  return dest;
};

/** A well-formed SID, so that the route's rule judges `dest` alone (the SIDs are checked on their own). */
const SAMPLE_SID = '00000000-0000-4000-8000-000000000000';

export const command = defineCommand(
  {
    name: 'calls transfer',
    summary: 'Transfer a live native call (KIND native) to a SIP URI, number or SWML URL.',
    args: '<sid>',
    positionals: { min: 1, max: 1 },
    description: [
      'The native Calling API’s calling.transfer, sent at most once. A Compatibility call has no transfer: ' +
        'it is refused by name, nothing sent (redirect it to cXML that dials instead: `calls redirect`).',
      'Lists the call and asks you to type "yes" on a terminal; refuses without --yes when not on one.',
    ],
    options: {
      to: {
        type: 'string',
        value: 'dest',
        description: 'Where to: sip:user@host, +E.164 number, or https://… SWML. Required.',
      },
      api: {
        type: 'string',
        value: 'api',
        caseless: true,
        description:
          'calling: the call is native, so it is not looked up (compatibility is refused). [default: looked up]',
      },
    },
    examples: [
      'call-control calls transfer 7c41d2b0-5e6f-4a7b-9c8d-0e1f2a3b4c5d --to sip:supervisor@example.com',
      'call-control calls transfer 7c41d2b0-5e6f-4a7b-9c8d-0e1f2a3b4c5d --to https://example.com/escalate.swml --api calling --yes',
    ],
  },
  (context) => {
    const api = checkApi(context.values.api);
    const dest = checkDestination(context.values.to);
    if (api === 'compatibility') {
      // The SID as typed goes into the line to type only once it is known to be a SID (nothing a shell reads).
      const sid = checkCallSid(context.positionals[0] ?? '');
      throw new UsageError(
        '`calls transfer` is for native calls (SWML, RELAY, AI agents); --api compatibility names a Compatibility call (cXML), whose API has no transfer',
        (command) =>
          `Redirect it to cXML that dials the destination instead: \`${forCall(command, sid)('calls redirect <sid>')} --url\` and that cXML's URL; or leave out --api to look the call up.`,
      );
    }
    return actOnCalls(
      context,
      context.positionals,
      'Transfer',
      // A call the lookup finds to be a Compatibility call is refused by the service, and told as the way out
      // (the redirect) by actOnCalls, not as the taxonomy's "fix the value named above".
      (backend, sid) => backend.transferCall(sid, dest, api),
      { transfer: { to: dest } },
    );
  },
);
