import { isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type {
  Dimensions,
  MetricResolution,
  MetricsOptions,
  MetricUnit,
} from '@aws-lambda-powertools/metrics/types';
import { concurrentInvocations } from './invoke-store.ts';

/** Markers no EMF line holds, replaced by the timestamp and each metric's value. */
const TIME_MARK = '\u0000t\u0000';
const valueMark = (index: number): string => `\u0000v${index}\u0000`;

/** A metric as `addMetric` stored it since the last flush. */
interface Added {
  name: string;
  unit: MetricUnit;
  resolution: MetricResolution | undefined;
  values: number[];
}

/**
 * Powertools' Metrics, with the flush of an ordinary invocation written leaner: the one EMF line an HTTP
 * request or an event ends with (its counters only). Powertools rebuilds that line from scratch on every
 * flush (every store read twice, each read checking `process.env`, key-collision maps, three clears) and
 * writes it through a `Console`; a warm invocation spent about as much on it as on its audit line.
 *
 * Powertools itself renders the line once per set of metric names, units and resolutions, with markers for the
 * timestamp and the values; a flush of the same set is then that text around `Date.now()` and each value's
 * JSON, written to stdout as Powertools' `Console` writes it. Anything else goes through Powertools as it is:
 * an invocation that added a dimension, metadata or a timestamp, an empty flush or one without a namespace
 * (Powertools' warnings), the dev-mode console (`POWERTOOLS_DEV`), disabled metrics, and a flush Powertools
 * started itself (100 metrics).
 */
export class CallControlMetrics extends Metrics {
  /** Metrics added since the last flush, or `undefined` once anything the lean line does not cover was used. */
  #added: Map<string, Added> | undefined = new Map();
  /** Per set of names, units and resolutions: the line's text around the timestamp and the values (`null`: none). */
  readonly #templates = new Map<string, readonly string[] | null>();
  /**
   * Whether the lean line may be written at all: not to the dev-mode console (`POWERTOOLS_DEV`), only for a
   * namespace given as an option (the functions' way): without one Powertools may warn on every flush
   * ("Namespace should be defined"), so every flush stays its own; and not where invocations run concurrently
   * (`AWS_LAMBDA_MAX_CONCURRENCY`): Powertools then keeps each invocation's metrics apart, which one record of
   * the process cannot, so an invocation's line would carry another's values.
   */
  readonly #lean: boolean;
  /** Set while Powertools stores a metric: a flush it starts then (a full buffer) is its own. */
  #adding = false;

  constructor(options: MetricsOptions = {}) {
    super(options);
    this.#lean = Boolean(options.namespace) && !isDevMode() && !concurrentInvocations();
  }

  override addMetric(name: string, unit: MetricUnit, value: number, resolution?: MetricResolution): this {
    this.#adding = true;
    try {
      super.addMetric(name, unit, value, resolution);
    } finally {
      this.#adding = false;
    }
    // Undefined when Powertools flushed on its own meanwhile: what it still holds is no longer known here.
    const known = this.#added?.get(name);
    if (known) known.values.push(value);
    else this.#added?.set(name, { name, unit, resolution, values: [value] });
    return this;
  }

  override addDimension(name: string, value: string): this {
    this.#added = undefined;
    return super.addDimension(name, value);
  }
  override addDimensions(dimensions: Dimensions): this {
    this.#added = undefined;
    return super.addDimensions(dimensions);
  }
  override addMetadata(key: string, value: string): this {
    this.#added = undefined;
    return super.addMetadata(key, value);
  }
  override setTimestamp(timestamp: number | Date): this {
    this.#added = undefined;
    return super.setTimestamp(timestamp);
  }
  // The default dimensions are part of every template (Powertools' constructor sets them before the fields exist).
  override setDefaultDimensions(dimensions: Dimensions): this {
    if (#templates in this) this.#templates.clear();
    return super.setDefaultDimensions(dimensions);
  }
  override clearDefaultDimensions(): void {
    this.#templates.clear();
    super.clearDefaultDimensions();
  }

  override publishStoredMetrics(): this {
    const added = this.#adding ? undefined : this.#added;
    this.#added = this.#adding ? undefined : new Map();
    if (!added || added.size === 0 || !this.#lean || this.isDisabled()) {
      return super.publishStoredMetrics();
    }
    const metrics = [...added.values()];
    const key = metrics
      .map(({ name, unit, resolution }) => `${name}\u0000${unit}\u0000${resolution}`)
      .join('\u0000');
    let template = this.#templates.get(key);
    if (template === undefined) {
      template = this.#render(metrics);
      this.#templates.set(key, template);
    }
    if (template === null) return super.publishStoredMetrics();
    let line = `${template[0]}${Date.now()}`;
    for (const [index, { values }] of metrics.entries()) {
      // Powertools keeps one value as a number and several as an array.
      line += `${template[index + 1]}${JSON.stringify(values.length === 1 ? values[0] : values)}`;
    }
    try {
      process.stdout.write(`${line}${template[metrics.length + 1]}\n`);
    } finally {
      // As Powertools' own flush: what was added is gone even when the write throws, not rendered into a template.
      this.clearMetrics();
    }
    return this;
  }

  /**
   * Powertools' own line for these metrics with markers, cut at them: [head, ...between values, tail]; `null`
   * when a metric's name is also a dimension's (Powertools refuses every such flush: each stays its own) or
   * Powertools orders the values otherwise than they were added (a name that is an array index goes first).
   */
  #render(metrics: readonly Added[]): readonly string[] | null {
    let emf: EmfLine;
    try {
      emf = this.serializeMetrics() as unknown as EmfLine;
    } catch {
      // Powertools refuses this set (a name both a metric and a dimension): every flush of it is Powertools'.
      return null;
    }
    emf._aws.Timestamp = TIME_MARK;
    for (const [index, { name }] of metrics.entries()) emf[name] = valueMark(index);
    let rest = JSON.stringify(emf);
    const parts: string[] = [];
    for (const mark of [TIME_MARK, ...metrics.map((_, index) => valueMark(index))]) {
      const cut = rest.split(JSON.stringify(mark));
      if (cut.length !== 2) return null;
      parts.push(cut[0] as string);
      rest = cut[1] as string;
    }
    parts.push(rest);
    return parts;
  }
}

/** What `serializeMetrics` returns, as far as the template reads it. */
type EmfLine = Record<string, unknown> & { _aws: { Timestamp: unknown } };
