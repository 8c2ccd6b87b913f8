/**
 * `npm run event:local`: the EventBridge integration end to end on loopback. Starts the local stack, seeds an
 * in-progress call in the SignalWire emulator, publishes a "Call Update Requested" event with the real
 * EventBridge client to the local PutEvents endpoint, waits for the result event the function publishes,
 * prints both and stops.
 *
 *   npm run event:local                      # redirect the call to https://example.com/next.xml
 *   npm run event:local -- --terminate       # end the call instead
 *   npm run event:local -- --url https://example.com/other.xml
 */
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CALL_UPDATE_FAILED, CALL_UPDATE_REQUESTED, CALL_UPDATED } from '#commons/events/contracts';
import { LOCAL_ALLOWED_EVENT_SOURCES, startLocalStack } from './local-stack.ts';

const { values } = parseArgs({
  options: {
    terminate: { type: 'boolean', default: false },
    url: { type: 'string', default: 'https://example.com/next.xml' },
  },
});

// The functions' logs would drown the two events this command is about.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const stack = await startLocalStack();
try {
  const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 });
  const detail = values.terminate
    ? { callSid: call.sid, action: 'terminate', correlationId: 'sample-terminate' }
    : {
        callSid: call.sid,
        action: 'update',
        update: { Url: values.url, Method: 'POST' },
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
  console.log(
    `\nThe call in the SignalWire emulator is now: ${stack.emulator.getCall(stack.projectId, call.sid)?.status}`,
  );
} finally {
  await stack.stop();
}
