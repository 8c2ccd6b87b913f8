import type { CallView } from '../signalwire/types.ts';

/**
 * What an applied action gives back. In a file of its own, importing types only, so that the event contracts
 * (part of the package's public declarations) reach nothing beyond them.
 */
/**
 * The two APIs a call may belong to. Here rather than in `calling/vocabulary.ts` so that the cleanup policy,
 * part of the package's public declarations, reaches nothing of the native adapter.
 */
export const CALL_APIS = ['compatibility', 'calling'] as const;
export type CallApi = (typeof CALL_APIS)[number];

export interface CallActionResult {
  call: CallView;
  /**
   * `already-ended`: an end found the call over (a terminate; an update with `Status` of a native call, or of a
   * Compatibility call once its resend was refused: `calls/service.ts`); the call is returned as it is now.
   */
  outcome: 'updated' | 'already-ended';
  /** Which API owns the call (`calls/native-calls.ts`); absent where only the Compatibility API is reached. */
  api?: CallApi;
}
