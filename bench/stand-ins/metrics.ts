/**
 * Bench only, never shipped: a minimal stand-in for functions/commons/platform/emf-metrics.ts (Powertools' Metrics
 * and the project's lean flush on top of it) and for `@aws-lambda-powertools/metrics` itself, for the cold-start
 * ablation rows (bench/ablation.ts). It takes the same calls and writes the same kind of EMF line (one per flush
 * with metrics: namespace, service dimension, each metric's name, unit and value), and nothing else.
 */
export const MetricUnit = {
  Seconds: 'Seconds',
  Microseconds: 'Microseconds',
  Milliseconds: 'Milliseconds',
  Bytes: 'Bytes',
  Kilobytes: 'Kilobytes',
  Megabytes: 'Megabytes',
  Gigabytes: 'Gigabytes',
  Terabytes: 'Terabytes',
  Bits: 'Bits',
  Percent: 'Percent',
  Count: 'Count',
  BytesPerSecond: 'Bytes/Second',
  CountPerSecond: 'Count/Second',
  NoUnit: 'None',
} as const;

export const MetricResolution = { Standard: 60, High: 1 } as const;

interface Options {
  serviceName?: string;
  namespace?: string;
  defaultDimensions?: Record<string, string>;
}

export class CallControlMetrics {
  #namespace: string;
  #dimensions: Record<string, string>;
  #defaults: Record<string, string>;
  #metrics = new Map<string, { unit: string; values: number[] }>();

  constructor(options: Options = {}) {
    this.#namespace = options.namespace ?? 'default_namespace';
    this.#defaults = { service: options.serviceName ?? 'service_undefined', ...options.defaultDimensions };
    this.#dimensions = {};
  }

  addMetric(name: string, unit: string, value: number): this {
    const stored = this.#metrics.get(name);
    if (stored) stored.values.push(value);
    else this.#metrics.set(name, { unit, values: [value] });
    return this;
  }
  addDimension(name: string, value: string): this {
    this.#dimensions[name] = value;
    return this;
  }
  addDimensions(dimensions: Record<string, string>): this {
    Object.assign(this.#dimensions, dimensions);
    return this;
  }
  addMetadata(_key: string, _value: string): this {
    return this;
  }
  setDefaultDimensions(dimensions: Record<string, string>): this {
    Object.assign(this.#defaults, dimensions);
    return this;
  }
  clearDefaultDimensions(): void {
    this.#defaults = {};
  }
  captureColdStartMetric(): void {}

  publishStoredMetrics(): this {
    if (this.#metrics.size > 0) {
      const dimensions = { ...this.#defaults, ...this.#dimensions };
      const line: Record<string, unknown> = {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: this.#namespace,
              Dimensions: [Object.keys(dimensions)],
              Metrics: [...this.#metrics].map(([name, { unit }]) => ({ Name: name, Unit: unit })),
            },
          ],
        },
        ...dimensions,
      };
      for (const [name, { values }] of this.#metrics) line[name] = values.length === 1 ? values[0] : values;
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    this.#metrics.clear();
    this.#dimensions = {};
    return this;
  }
}

/** `@aws-lambda-powertools/metrics`'s class name, for an import of the package itself. */
export { CallControlMetrics as Metrics };
