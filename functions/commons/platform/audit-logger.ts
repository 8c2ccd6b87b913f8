import { getXRayTraceIdFromEnv, isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage, LogLevel } from '@aws-lambda-powertools/logger/types';
import { AUDIT_MESSAGE } from '../calls/audit.ts';
import { concurrentInvocations } from './invoke-store.ts';
import { writeAuditLine } from './log-streams.ts';

type LogKeys = Parameters<Logger['appendKeys']>[0];
type LambdaContext = Parameters<Logger['addContext']>[0];

/** Powertools' threshold of INFO (its `LogLevelThreshold.INFO`): an audit line is written at or above it. */
enum LogLevelThreshold {
  INFO = 12,
}

/**
 * What fills each gap of a template: the line's timestamp, the invocation's ids, the record, a temporary key. Const
 * enums (this one and the threshold's): esbuild writes their values in place, with no variable for each (the
 * http-api bundle is at its bound).
 */
enum Slot {
  Time,
  Request,
  Trace,
  Record,
  Key,
}

/** Where the second {@link isoNow} last formatted starts (ms since the epoch), and its text up to the milliseconds. */
let second = Number.NaN;
let secondText = '';

/**
 * `new Date().toISOString()` (Powertools' timestamp where `TZ` is UTC), its text formatted once a second: V8
 * formats each with `snprintf`, a fifth of an audit line's instructions, and within one second only the
 * milliseconds change. A clock set back or forward formats again.
 */
export const isoNow = (): string => {
  // Whole milliseconds, as `new Date()` takes them (a replaced `Date.now` may give fractions); the last second of
  // the date range is never cached, so the instant past it throws as `toISOString` does.
  const now = Math.trunc(Date.now());
  const ms = now - second;
  if (ms >= 0 && ms < 1000 && now <= 8.64e15)
    return `${secondText}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
  const text = new Date(now).toISOString();
  second = now - (((now % 1000) + 1000) % 1000);
  // `….sssZ`, of every year (`+275760-09-13T00:00:00.000Z` too): the milliseconds are the 3 digits before the Z.
  secondText = text.slice(0, -4);
  return text;
};

/** A mark no line holds, rendered where a slot's value goes. */
const mark = (slot: number): string => `\u0000call-control-audit-${slot}\u0000`;

/**
 * Keys no temporary key is spliced under: Powertools drops the reserved ones and skips the unsafe ones, and a key
 * of the context's name (which hides the context's own) or of the record's is part of the text.
 */
const UNSPLICED =
  /^(level|message|sampling_rate|service|timestamp|__proto__|constructor|cold_start|function_\w+|xray_trace_id|tenant_id|audit)$/;

/** An audit line cut at its slots: `parts` is one longer than `slots`. */
interface Template {
  readonly parts: readonly string[];
  readonly slots: readonly number[];
  /** The temporary keys spliced in, in Powertools' order; `undefined` when their values are part of the text. */
  readonly keys: readonly string[] | undefined;
  /** The function it serves every warm invocation of; `undefined` when the invocation's ids are part of the text. */
  readonly context: string | undefined;
  readonly traced: boolean;
}

/**
 * Powertools' Logger, with one line written leaner: the audit line (one per ended call: the hot path of a cleanup,
 * and the one line of an HTTP request). Powertools builds every line from scratch: it reads `process.env` several
 * times (trace id twice, `TZ`, the concurrency switch of each store), merges the keys (deep-copying the record),
 * and serialises through a replacer that visits each key. An audit line is built from a template instead:
 * Powertools itself renders it with a mark in place of each value that changes (the timestamp, the record, the
 * invocation's request id and trace id, and each temporary key the function appended), and every line is then the
 * template's text with those values' JSON in between (an AuditRecord is strings, numbers and string maps, a key's
 * value a string: native JSON is the same text). Powertools' state stays the one truth: the template is rendered
 * again whenever what it holds as text changes, which a warm invocation of the same function does not: its keys
 * are appended again in the same order, only their values differ. What is not spliced is part of the text, and a
 * change of it renders again: the context of a cold start or of another function version, keys appended in
 * another order, a key that is not a non-empty string (removed keys too, until the keys are reset), a persistent
 * key, a level. It is not used where that state is not the instance's own: concurrent invocations
 * (`AWS_LAMBDA_MAX_CONCURRENCY`, where Powertools keeps it per invocation), a `TZ` other than UTC, and
 * pretty-printed lines (`POWERTOOLS_DEV`).
 */
export class CallControlLogger extends Logger {
  readonly #plainAudit = !isDevMode();
  readonly #templated =
    this.#plainAudit && !concurrentInvocations() && (!process.env.TZ || process.env.TZ.includes('UTC'));
  /** The audit line cut at its slots, `null` when audit lines are below the level, `undefined` to render. */
  #template: Template | null | undefined;
  /**
   * Whether temporary keys may be spliced at all: not once a persistent key was ever set (at construction or
   * later). Powertools then orders a line's keys by its own key map, where a key can keep the place or the value
   * of its persistent self across invocations, which the order of appends this class sees does not tell.
   */
  #spliceKeys = Object.keys(this.getPersistentLogAttributes()).length === 0;
  /** Temporary keys appended since the last reset, in Powertools' order, or `undefined` once one cannot be spliced. */
  #keys: string[] | undefined = this.#spliceKeys ? [] : undefined;
  /** Their values' JSON. */
  #keyJson: string[] = [];
  /** The invocation's function, all but its request id (as a template's `context`). */
  #context = '';
  #requestId: string | undefined;
  #requestJson = '';
  /** The invocation's trace id as JSON (`undefined`: untraced), or `null` until its first audit line reads it. */
  #traceJson: string | undefined | null = null;

  override info(input: LogItemMessage, ...extraInput: LogItemExtraInput): void {
    const attributes = extraInput[0];
    if (
      input === AUDIT_MESSAGE &&
      this.#templated &&
      extraInput.length === 1 &&
      isAuditAttributes(attributes)
    ) {
      const template = this.#current();
      // Below INFO the record is not even read: nothing of it is written.
      if (template === null) return;
      if (template.parts.length > 0) {
        this.#write(template, JSON.stringify(attributes.audit));
        return;
      }
    }
    super.info(input, ...extraInput);
  }

  /**
   * The audit line of a record already serialised (calls/audit-record.ts `auditRecordJson`, the same text
   * `JSON.stringify` makes of the record): the template takes it as it is; Powertools, where it writes the line,
   * the record it holds.
   */
  auditJson(json: string): void {
    const template = this.#templated ? this.#current() : undefined;
    if (template === null) return;
    if (template && template.parts.length > 0) this.#write(template, json);
    else super.info(AUDIT_MESSAGE, { audit: JSON.parse(json) as unknown });
  }

  /**
   * The template of this invocation's audit lines, rendered again when what it holds changed; `null` below INFO,
   * no `parts` when Powertools writes the line instead.
   */
  #current(): Template | null {
    if (this.#traceJson === null) {
      const trace = getXRayTraceIdFromEnv();
      this.#traceJson = trace ? JSON.stringify(trace) : undefined;
    }
    const template = this.#template;
    if (template === null || (template !== undefined && this.#fits(template))) return template;
    this.#template = this.#render();
    return this.#template;
  }

  /** Writes the audit line of a record's JSON from the template. */
  #write({ parts, slots }: Template, record: string): void {
    let line = parts[0] as string;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as number;
      line +=
        (slot === Slot.Time
          ? `"${isoNow()}"`
          : slot === Slot.Record
            ? record
            : slot === Slot.Request
              ? this.#requestJson
              : slot === Slot.Trace
                ? this.#traceJson
                : this.#keyJson[slot - Slot.Key]) + (parts[i + 1] as string);
    }
    writeAuditLine(line);
  }

  /** Whether a template of earlier keys or another invocation holds this line's keys, ids and trace. */
  #fits(template: Template): boolean {
    const { keys } = template;
    if (keys) {
      const current = this.#keys;
      if (current === undefined || current.length !== keys.length) return false;
      for (let i = 0; i < keys.length; i++) if (keys[i] !== current[i]) return false;
    }
    return template.traced === (this.#traceJson !== undefined);
  }

  /**
   * Powertools' own audit line with marks, cut at them; `null` below INFO. The temporary keys are marked when all
   * can be spliced and none is also persistent; the request id and trace id when the line is a warm invocation's
   * and holds the context's own (no key of a context's name); a line a mark cannot be cut out of once is
   * Powertools' (`parts` of the one text).
   */
  #render(): Template | null {
    if (this.level > LogLevelThreshold.INFO) return null;
    const persistent = Object.keys(this.getPersistentLogAttributes());
    const keys = this.#keys?.slice();
    const marked: Record<string, string> = {};
    if (keys) for (const [index, key] of keys.entries()) marked[key] = mark(Slot.Key + index);
    marked.audit = mark(Slot.Record);
    const item = this.createAndPopulateLogItem(LogLevelThreshold.INFO, AUDIT_MESSAGE, [marked]);
    item.prepareForPrint();
    // The item is this render's own: its fields are marked in place (same keys, same order), not copied.
    const fields = item.getAttributes();
    fields.timestamp = mark(Slot.Time);
    const traced = this.#traceJson !== undefined;
    const warm =
      fields.cold_start === false &&
      this.#requestId !== undefined &&
      this.#keys !== undefined &&
      fields.function_request_id === this.#requestId &&
      !persistent.some((key) => UNSPLICED.test(key));
    if (warm) {
      fields.function_request_id = mark(Slot.Request);
      if (traced) fields.xray_trace_id = mark(Slot.Trace);
    }
    const text = JSON.stringify(fields);
    const cut = text.split(MARKED);
    const parts = cut.filter((_, index) => index % 2 === 0);
    const slots = cut.filter((_, index) => index % 2 === 1).map(Number);
    // Each mark was set once, and none vanishes: a mark more is one a value of the text holds.
    const whole = slots.length === (keys?.length ?? 0) + (warm ? (traced ? 4 : 3) : 2);
    parts.push(`${parts.pop()}\n`);
    return {
      parts: whole ? parts : [],
      slots,
      keys: whole ? keys : undefined,
      context: whole && warm ? this.#context : undefined,
      traced,
    };
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!(#plainAudit in this && this.#plainAudit) || log.getAttributes().message !== AUDIT_MESSAGE) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    writeAuditLine(`${JSON.stringify(log.getAttributes())}\n`);
  }

  // Powertools' constructor itself calls some of these overrides before this class's fields exist (`persistentKeys`,
  // and `setLogLevel('DEBUG')` and its line when POWERTOOLS_LOGGER_SAMPLE_RATE samples the environment in), so each
  // checks that the fields are there first: touching a private field that does not exist yet throws at import.

  /**
   * A warm invocation of the same function keeps a template its ids are spliced into; anything else in the
   * context (another version, the cold start, no request id) renders again.
   */
  override addContext(context: LambdaContext): void {
    super.addContext(context);
    if (!(#template in this)) return;
    const { awsRequestId } = context;
    this.#context = JSON.stringify([
      context.invokedFunctionArn,
      context.memoryLimitInMB,
      context.functionName,
      context.functionVersion,
      (context as { tenantId?: unknown }).tenantId,
    ]);
    this.#requestId = typeof awsRequestId === 'string' && awsRequestId !== '' ? awsRequestId : undefined;
    this.#requestJson = JSON.stringify(awsRequestId);
    this.#traceJson = null;
    if (this.#template && (this.#template.context !== this.#context || this.#requestId === undefined)) {
      this.#template = undefined;
    }
  }

  override appendKeys(attributes: LogKeys): void {
    super.appendKeys(attributes);
    if (!(#template in this)) return;
    const keys = this.#keys;
    if (keys) {
      for (const [key, value] of Object.entries(attributes)) {
        if (typeof value !== 'string' || value === '' || UNSPLICED.test(key)) {
          this.#keys = undefined;
          break;
        }
        const at = keys.indexOf(key);
        if (at < 0) {
          keys.push(key);
          this.#keyJson.push(JSON.stringify(value));
        } else this.#keyJson[at] = JSON.stringify(value);
      }
    }
    if (this.#template && !this.#template.keys) this.#template = undefined;
  }
  override resetKeys(): void {
    super.resetKeys();
    if (!(#template in this)) return;
    this.#keys = this.#spliceKeys ? [] : undefined;
    this.#keyJson = [];
    if (this.#template && !this.#template.keys) this.#template = undefined;
  }
  // Every other change of what an audit line carries renders it again (Powertools' state stays the one truth).
  override removeKeys(keys: string[]): void {
    super.removeKeys(keys);
    if (!(#template in this)) return;
    this.#keys = undefined;
    this.#template = undefined;
  }
  override appendPersistentKeys(attributes: LogKeys): void {
    super.appendPersistentKeys(attributes);
    if (#template in this) this.#stopSplicingKeys();
  }
  override setPersistentLogAttributes(attributes: LogKeys): void {
    super.setPersistentLogAttributes(attributes);
    if (#template in this) this.#stopSplicingKeys();
  }
  override removePersistentKeys(keys: string[]): void {
    super.removePersistentKeys(keys);
    if (#template in this) this.#stopSplicingKeys();
  }
  /** A persistent key set after construction: every later line holds its keys as text (rendered on any change). */
  #stopSplicingKeys(): void {
    this.#spliceKeys = false;
    this.#keys = undefined;
    this.#template = undefined;
  }
  // Set again at every warm invocation (the sampling decision): only a change of the level renders again.
  override setLogLevel(logLevel: LogLevel): void {
    const before = this.level;
    super.setLogLevel(logLevel);
    if (#template in this && this.level !== before) this.#template = undefined;
  }
}

/** A mark's JSON in the rendered text; `split` keeps its slot number between the parts. */
const MARKED = /"\\u0000call-control-audit-(\d+)\\u0000"/;

const isAuditAttributes = (value: unknown): value is { audit: unknown } =>
  typeof value === 'object' && value !== null && Object.keys(value).length === 1 && 'audit' in value;
