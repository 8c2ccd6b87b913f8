import { isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import {
  MetricResolution as MetricResolutions,
  Metrics,
  MetricUnit as MetricUnits,
} from '@aws-lambda-powertools/metrics';
import type {
  Dimensions,
  MetricResolution,
  MetricsOptions,
  MetricUnit,
} from '@aws-lambda-powertools/metrics/types';
import { concurrentInvocations } from './invoke-store.ts';
import { listenForWriteErrors } from './log-streams.ts';

/** Markers no EMF line holds, replaced by the timestamp and each metric's value. */
const TIME_MARK = '\u0000t\u0000';
const valueMark = (index: number): string => `\u0000v${index}\u0000`;

/** A metric as `addMetric` stored it since the last flush. */
interface Added {
  name: string;
  unit: MetricUnit;
  resolution: MetricResolution;
  values: number[];
}

/** What Powertools' `storeMetric` accepts (it copies both lists of `Object.values` for every metric it stores). */
const UNITS = new Set<unknown>(Object.values(MetricUnits));
const RESOLUTIONS = new Set<unknown>(Object.values(MetricResolutions));
/** Powertools flushes on its own before a metric beyond these (`MAX_METRICS_SIZE`, `MAX_METRIC_VALUES_SIZE`). */
const MAX_METRICS = 100;
const MAX_VALUES = 100;

/**
 * Powertools' Metrics, with the counters of an ordinary invocation kept and flushed leaner: the one EMF line an
 * HTTP request or an event ends with. Powertools checks every metric against copies of its unit and resolution
 * lists and reads `process.env` for each store access (twice a metric, once a flush), then rebuilds the line from
 * scratch on every flush (every store read twice, key-collision maps, three clears) and writes it through a
 * `Console`; a warm invocation spent about as much on it as on its audit line.
 *
 * Here a metric Powertools would accept and store without flushing on its own is kept in a record of this
 * instance instead, and Powertools renders the line once per set of metric names, units and resolutions, with
 * markers for the timestamp and the values; a flush of the same set is then that text around `Date.now()` and
 * each value's JSON, written to stdout as Powertools' `Console` writes it. Whatever else reads or changes
 * Powertools' store (a dimension, metadata or a timestamp added, a metric it would refuse or flush for, a read of
 * the store) first gets the kept metrics into it, in the order they were added, and the rest of that flush is
 * Powertools' own: as are an empty flush, one without a namespace (Powertools' warnings), the dev-mode console
 * (`POWERTOOLS_DEV`), disabled metrics and a flush Powertools started itself (100 metrics).
 */
export class CallControlMetrics extends Metrics {
  /** Metrics added since the last flush and not in Powertools' store, or `undefined` once they went there. */
  #added: Map<string, Added> | undefined;
  /** Per set of names, units and resolutions: the line's text around the timestamp and the values (`null`: none). */
  readonly #templates = new Map<string, readonly string[] | null>();
  /**
   * Whether metrics may be kept here at all: not for the dev-mode console (`POWERTOOLS_DEV`) or disabled metrics,
   * only for a namespace given as an option (the functions' way): without one Powertools may warn on every flush
   * ("Namespace should be defined"), so every flush stays its own; not for a single-metric instance (Powertools
   * flushes each metric); and not where invocations run concurrently (`AWS_LAMBDA_MAX_CONCURRENCY`): Powertools
   * then keeps each invocation's metrics apart, which one record of the process cannot, so an invocation's line
   * would carry another's values.
   */
  readonly #lean: boolean;
  /** Set while Powertools stores a metric: a flush it starts then (a full buffer) is its own. */
  #adding = false;

  constructor(options: MetricsOptions = {}) {
    super(options);
    this.#lean =
      Boolean(options.namespace) &&
      !isDevMode() &&
      !concurrentInvocations() &&
      !this.isDisabled() &&
      !options.singleMetric;
    this.#added = this.#lean ? new Map() : undefined;
  }

  override addMetric(
    name: string,
    unit: MetricUnit,
    value: number,
    resolution: MetricResolution = MetricResolutions.Standard,
  ): this {
    const added = this.#added;
    const known = added?.get(name);
    // What Powertools checks, and that it would store the metric without flushing first or after.
    if (
      added &&
      added.size < MAX_METRICS &&
      typeof name === 'string' &&
      name !== '' &&
      name.length <= 255 &&
      typeof value === 'number' &&
      UNITS.has(unit) &&
      RESOLUTIONS.has(resolution) &&
      // Powertools' store is a plain object: a name it inherits (`constructor`, `__proto__`) is refused as added.
      (known
        ? known.unit === unit && known.values.length + 1 < MAX_VALUES
        : ({} as Record<string, unknown>)[name] === undefined)
    ) {
      if (known) known.values.push(value);
      else added.set(name, { name, unit, resolution, values: [value] });
      return this;
    }
    // Powertools' refusal, or its own flush, of a store that holds everything added before.
    this.#handOver();
    this.#store(name, unit, value, resolution);
    return this;
  }

  override addDimension(name: string, value: string): this {
    this.#handOver();
    return super.addDimension(name, value);
  }
  override addDimensions(dimensions: Dimensions): this {
    this.#handOver();
    return super.addDimensions(dimensions);
  }
  override addMetadata(key: string, value: string): this {
    this.#handOver();
    return super.addMetadata(key, value);
  }
  override setTimestamp(timestamp: number | Date): this {
    this.#handOver();
    return super.setTimestamp(timestamp);
  }
  override hasStoredMetrics(): boolean {
    return Boolean(this.#added?.size) || super.hasStoredMetrics();
  }
  override serializeMetrics(): ReturnType<Metrics['serializeMetrics']> {
    if (this.#added?.size) this.#handOver();
    return super.serializeMetrics();
  }
  override clearMetrics(): void {
    this.#added?.clear();
    super.clearMetrics();
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
    const added = this.#added;
    // Powertools' own flush of a full store goes on storing: what it holds is no longer known here.
    this.#added = this.#lean && !this.#adding ? new Map() : undefined;
    if (!added?.size) return super.publishStoredMetrics();
    const metrics = [...added.values()];
    // JSON, which no name can make two sets read alike in (a name may hold any character, a separator too).
    const key = JSON.stringify(metrics.map(({ name, unit, resolution }) => [name, unit, resolution]));
    let template = this.#templates.get(key);
    if (template === undefined) {
      template = this.#render(metrics);
      this.#templates.set(key, template);
    }
    if (template === null) {
      this.#storeAll(metrics);
      return super.publishStoredMetrics();
    }
    let line = `${template[0]}${Date.now()}`;
    for (const [index, { values }] of metrics.entries()) {
      // Powertools keeps one value as a number and several as an array.
      line += `${template[index + 1]}${JSON.stringify(values.length === 1 ? values[0] : values)}`;
    }
    // As Powertools' own flush, what was added is gone even when the write throws (it was never in its store), and
    // the throw (EPIPE, EAGAIN on a full pipe) goes no further, as its Console's does not: a lost metric line must
    // not fail the invocation whose outcome it counts.
    listenForWriteErrors();
    try {
      process.stdout.write(`${line}${template[metrics.length + 1]}\n`);
    } catch {
      // The line is lost; the work it counted is done.
    }
    return this;
  }

  /** Gets the metrics kept here into Powertools' store, where the rest of this flush's metrics go too. */
  #handOver(): void {
    const added = this.#added;
    this.#added = undefined;
    if (added) this.#storeAll(added.values());
  }

  /** Stores metrics kept here through Powertools, in the order they were added. */
  #storeAll(metrics: Iterable<Added>): void {
    for (const { name, unit, resolution, values } of metrics) {
      for (const value of values) this.#store(name, unit, value, resolution);
    }
  }

  /** Stores a metric through Powertools: checked, and flushed when its store is full, as it does. */
  #store(name: string, unit: MetricUnit, value: number, resolution: MetricResolution): void {
    this.#adding = true;
    try {
      super.addMetric(name, unit, value, resolution);
    } finally {
      this.#adding = false;
    }
  }

  /**
   * Powertools' own line for these metrics with markers, cut at them: [head, ...between values, tail]; `null`
   * when a metric's name is also a dimension's (Powertools refuses every such flush: each stays its own) or
   * Powertools orders the values otherwise than they were added (a name that is an array index goes first).
   */
  #render(metrics: readonly Added[]): readonly string[] | null {
    let emf: EmfLine;
    this.#storeAll(metrics);
    try {
      emf = this.serializeMetrics() as unknown as EmfLine;
    } catch {
      // Powertools refuses this set (a name both a metric and a dimension): every flush of it is Powertools'.
      return null;
    } finally {
      super.clearMetrics();
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
