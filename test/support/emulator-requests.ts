import type { LocalStack } from '#local/local-stack';

/** The native Calling API's one command endpoint (`calling.end`, `calling.update`, ...), as `METHOD path`. */
export const NATIVE_COMMAND = 'POST /api/calling/calls';

/**
 * What the emulator was asked, as `METHOD path` lines, and the lines each kind of call's requests make: for
 * tests that assert which API a call went to and in what order.
 */
export const emulatorRequests = (stack: LocalStack) => ({
  /** Every request the emulator received, as `METHOD path`. */
  sent: () => stack.emulator.requests.map((r) => `${r.method} ${r.path}`),
  compatibilityUpdate: (sid: string) =>
    `POST /api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${sid}.json`,
  compatibilityRead: (sid: string) =>
    `GET /api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${sid}.json`,
  voiceLog: (id: string) => `GET /api/voice/logs/${id}`,
});
