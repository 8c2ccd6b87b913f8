/**
 * The read of one call over both APIs (`native-calls.ts` composes it into the call service): a Compatibility call
 * read once, a native one from its voice log, by the rule of `native-calls.ts`'s module comment.
 */
import { NATIVE_SOURCES } from '../calling/assumptions.ts';
import { type CallApi, nativeCallView } from '../calling/vocabulary.ts';
import { isCallNotFound, SignalWireError } from '../errors.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import type { CallView } from '../signalwire/types.ts';
import type { NativeCallsApi } from './port.ts';
import type { CallQuery, CallService } from './service.ts';

/** How the service reaches the native API of a project (`signalwire/access.ts`). */
export interface NativeAccess {
  nativeFor(accountSid?: string): Promise<NativeCallsApi>;
}

/** Whether a voice log's `source` is a native call's (the Calling API's to change). */
export const isNativeSource = (source: string): boolean =>
  (NATIVE_SOURCES as readonly string[]).includes(source);

/** A call the request said the Calling API owns, which it does not: CALL_NOT_FOUND, as SignalWire says it. */
const notOwnedByCallingApi = (): SignalWireError =>
  new SignalWireError(404, {
    code: undefined,
    message: 'The native Calling API has no such call (the voice logs show a Compatibility call)',
    moreInfo: undefined,
  });

/** The service's read: a Compatibility call read once, a native one from its voice log. */
export const readOverBoth = async (
  compatibility: CallService,
  access: NativeAccess,
  query: CallQuery & { callSid: string; api?: CallApi },
): Promise<CallView> => {
  const callSid = canonicalSid(query.callSid);
  const nativeRead = async () => {
    const native = await access.nativeFor(query.project);
    const log = await native.getVoiceLog(callSid, { signal: query.signal });
    return { native, log };
  };
  if (query.api === 'calling') {
    const { native, log } = await nativeRead();
    // The voice logs list Compatibility calls too: one is not the Calling API's to answer for.
    if (!isNativeSource(log.source)) throw notOwnedByCallingApi();
    return nativeCallView(log, native.projectId);
  }
  try {
    // The read is the resolution: a Compatibility call is read once.
    return await compatibility.get(query);
  } catch (error) {
    if (query.api === 'compatibility' || !isCallNotFound(error)) throw error;
    const { native, log } = await nativeRead().catch((nativeError: unknown) => {
      throw isCallNotFound(nativeError) ? error : nativeError;
    });
    if (!isNativeSource(log.source)) throw error;
    return nativeCallView(log, native.projectId);
  }
};
