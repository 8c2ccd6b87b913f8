import {
  CALL_UPDATE_REQUESTED,
  type CallUpdatedDetail,
  type CallUpdateRequestedDetail,
  type CallUpdateRequestedEvent,
} from 'signalwire-call-control';

/** What the CRM puts on the bus to end a call: checked against the package's event contract by the app's tsc. */
export const endCallRequest = (callSid: string, correlationId: string): CallUpdateRequestedDetail => ({
  callSid,
  action: 'terminate',
  correlationId,
});

/** A consumer of the requests reads the envelope the package declares (no @types/aws-lambda needed). */
export const describeRequest = (event: CallUpdateRequestedEvent): string =>
  `${event['detail-type'] satisfies typeof CALL_UPDATE_REQUESTED} ${event.detail.action} ${event.detail.callSid} from ${event.source}`;

/** The result event the CRM matches to its request. */
export const answers = (result: CallUpdatedDetail, correlationId: string): boolean =>
  result.correlationId === correlationId;
