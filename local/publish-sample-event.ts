/**
 * `npm run event:local`: the EventBridge integration end to end on loopback. Starts the local stack, seeds an
 * in-progress call in the SignalWire emulator, publishes a "Call Update Requested" event with the real
 * EventBridge client to the local PutEvents endpoint, waits for the result event the function publishes,
 * prints both and stops.
 *
 *   npm run event:local                      # redirect the call to https://example.com/next.xml
 *   npm run event:local -- --terminate       # end the call instead
 *   npm run event:local -- --url https://example.com/other.xml
 *   npm run event:local -- --native          # the same for a native (SWML) call: "Call Updated" says api "calling"
 *   npm run event:local -- --transfer sip:desk@example.com   # transfer a native call (calling.transfer)
 */
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CALL_UPDATE_FAILED, CALL_UPDATE_REQUESTED, CALL_UPDATED } from '#commons/events/contracts';
import { LOCAL_ALLOWED_EVENT_SOURCES, startLocalStack } from './local-stack.ts';

const { values } = parseArgs({
  options: {
    terminate: { type: 'boolean', default: false },
    url: { type: 'string', default: 'https://example.com/next.xml' },
    native: { type: 'boolean', default: false },
    transfer: { type: 'string' },
  },
});
const native = values.native || values.transfer !== undefined;

// The functions' logs would drown the two events this command is about.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const stack = await startLocalStack();
try {
  const callSid = native
    ? stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 30 }).id
    : stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 }).sid;
  const detail =
    values.transfer !== undefined
      ? { callSid, action: 'transfer', transfer: { dest: values.transfer }, correlationId: 'sample-transfer' }
      : values.terminate
        ? { callSid, action: 'terminate', correlationId: 'sample-terminate' }
        : {
            callSid,
            action: 'update',
            // A native call has no Method: the Calling API fetches its SWML its own way.
            update: native ? { Url: values.url } : { Url: values.url, Method: 'POST' },
            correlationId: 'sample-redirect',
          };
  const entry = {
    EventBusName: stack.eventBusName,
    Source: LOCAL_ALLOWED_EVENT_SOURCES[0],
    DetailType: CALL_UPDATE_REQUESTED,
    Detail: JSON.stringify(detail),
  };

  // Configured like any SDK client: the local stack set AWS_ENDPOINT_URL_EVENTBRIDGE and dummy credentials.
  const answer = await new EventBridgeClient({}).send(new PutEventsCommand({ Entries: [entry] }));
  const requestId = answer.Entries?.[0]?.EventId;
  if (!requestId) throw new Error(`PutEvents refused the entry: ${JSON.stringify(answer.Entries)}`);

  const result = await stack.aws.waitForEvent(
    ({ envelope }) =>
      (envelope['detail-type'] === CALL_UPDATED || envelope['detail-type'] === CALL_UPDATE_FAILED) &&
      envelope.detail.requestEventId === requestId,
    10_000,
  );
  const published = stack.aws.putEvents.find(({ envelope }) => envelope.id === requestId);

  console.log(`Published to ${process.env.AWS_ENDPOINT_URL_EVENTBRIDGE} (bus "${stack.eventBusName}"):`);
  console.log(JSON.stringify(published?.envelope ?? entry, null, 2));
  console.log(`\nThe function answered on the same bus with "${result.envelope['detail-type']}":`);
  console.log(JSON.stringify(result.envelope, null, 2));
  const status = native
    ? stack.emulator.native.get(stack.projectId, callSid)?.status
    : stack.emulator.getCall(stack.projectId, callSid)?.status;
  console.log(`\nThe call in the SignalWire emulator is now: ${status}`);
} finally {
  await stack.stop();
}
