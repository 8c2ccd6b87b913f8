/**
 * How large an answer from SignalWire the functions read, per operation. Past the cap the exchange fails (as a
 * described `UPSTREAM_UNREACHABLE`, "SignalWire's answer exceeded N bytes") instead of holding it in memory.
 *
 * A list page is read whole, parsed, and (on the HTTP API) serialised again and returned through Lambda, so its
 * cap is the smaller of two bounds:
 * - Lambda's 6 MB limit on a synchronous response: the page is re-serialised as the answer's body, which API
 *   Gateway's proxy result then carries as a JSON string, where escaping can at most double it; so half of the
 *   limit, less room for the status and headers.
 * - The function's memory: reading, decoding and parsing an answer peaks at about 46 bytes of RSS per byte
 *   received (a 16 MiB page peaked at ~730 MB in a 512 MB function, issue 17 finding 5), on top of the runtime's
 *   own ~64 MB.
 * A single Call is about 1.5 KB; its cap leaves room for a call whose fields carry hundreds of KB (a huge `to` or
 * caller name is still a call to end, and its outcome is published cut to size) and stays far below what a
 * function can hold.
 * A 1,000-call page is about 1.5 MB: it fits from 192 MB of memory up (a 128 MB function lists fewer per page).
 */

/** Lambda's limit on a synchronous invocation's response payload (6 MB, i.e. 6 MiB as Lambda counts it). */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;
/** Room kept in the response for the status code, headers and the proxy result's own fields. */
const RESPONSE_OVERHEAD_BYTES = 64 * 1024;
/** Peak RSS per byte of a List Calls answer read, decoded and parsed (measured, rounded up). */
export const PEAK_RSS_PER_ANSWER_BYTE = 46;
/** What the Node.js runtime and the bundle hold before any answer is read. */
export const RUNTIME_BASELINE_MB = 64;

/** Largest answer to a single-call request (get, update, end). */
export const CALL_ANSWER_MAX_BYTES = 1024 * 1024;

export interface AnswerCaps {
  /** Largest answer to a get, update or end of one call. */
  call: number;
  /** Largest List Calls page. */
  list: number;
}

/**
 * The caps for a function of `memoryMb` megabytes (Lambda's `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`); without a
 * memory setting (the CLI, tests) only the response limit bounds a list page.
 */
export const answerCapsFor = (memoryMb: number | undefined): AnswerCaps => {
  const returnable = Math.floor((LAMBDA_RESPONSE_LIMIT_BYTES - RESPONSE_OVERHEAD_BYTES) / 2);
  const holdable =
    memoryMb === undefined || !Number.isFinite(memoryMb) || memoryMb <= 0
      ? Number.POSITIVE_INFINITY
      : Math.floor((Math.max(0, memoryMb - RUNTIME_BASELINE_MB) * 1024 * 1024) / PEAK_RSS_PER_ANSWER_BYTE);
  return {
    call: Math.min(CALL_ANSWER_MAX_BYTES, returnable, holdable),
    list: Math.min(returnable, holdable),
  };
};

/** The caps of this process: Lambda's memory setting when it runs in Lambda. */
export const answerCaps = (): AnswerCaps => {
  const memory = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  return answerCapsFor(memory === undefined || memory === '' ? undefined : Number(memory));
};
