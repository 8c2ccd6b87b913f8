import { InvokeStore } from '@aws/lambda-invoke-store';
import { MetricResolution, Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallControlMetrics } from '../../functions/commons/platform/emf-metrics.ts';
import { captureOutput } from '../support/output-capture.ts';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

type Step = (metrics: Metrics) => void;

/** What `steps` write, flush after flush, through `metrics` (time frozen, so both lines carry the same one). */
const written = (metrics: Metrics, cycles: Step[][]): string => {
  let now = 1_796_000_000_000;
  vi.spyOn(Date, 'now').mockImplementation(() => now);
  const output = captureOutput();
  try {
    for (const steps of cycles) {
      try {
        for (const step of steps) step(metrics);
        metrics.publishStoredMetrics();
      } catch (error) {
        // Refusals are part of what must match.
        output.lines.push(`threw: ${(error as Error).message}\n`);
      }
      now += 1_234;
    }
  } finally {
    output.restore();
  }
  return output.lines.join('');
};

const options = { serviceName: 'call-control-http-api', namespace: 'SignalWireCallControl' };
const count =
  (name: string, value = 1): Step =>
  (m) =>
    m.addMetric(name, MetricUnit.Count, value);

/** Each case runs its cycle three times: the first renders, the next ones reuse (with other values). */
const CASES: Array<[string, Step[], ConstructorParameters<typeof Metrics>[0]?]> = [
  ['one counter', [count('CallsUpdated')]],
  [
    'several metrics, one added twice (an array of values), in several units',
    [
      count('CallsUpdated'),
      (m) => m.addMetric('Latency', MetricUnit.Milliseconds, 12.5),
      count('CallsUpdated', 3),
    ],
  ],
  [
    'a high-resolution metric',
    [(m) => m.addMetric('Fast', MetricUnit.Count, 1, MetricResolution.High), count('CallsUpdated')],
  ],
  [
    'the construct instance as a default dimension',
    [count('CallsFailed')],
    { defaultDimensions: { instance: 'a/b' } },
  ],
  ['a dimension added for one flush', [count('CallsUpdated'), (m) => m.addDimension('route', 'terminate')]],
  ['several dimensions', [(m) => m.addDimensions({ a: '1', b: '2' }), count('CallsUpdated')]],
  ['metadata', [count('CallsUpdated'), (m) => m.addMetadata('callSid', 'CA123')]],
  ['a timestamp of its own', [count('CallsUpdated'), (m) => m.setTimestamp(1_795_999_000_000)]],
  ['a name JavaScript orders first (an array index)', [count('CallsUpdated'), count('42')]],
  ['a metric named like a dimension', [count('service'), count('CallsUpdated')]],
  ['nothing to publish', []],
  ['a name Powertools refuses (empty)', [count('CallsUpdated'), count('')]],
  ['a name Powertools refuses (too long)', [count('CallsUpdated'), count('N'.repeat(256))]],
  ['the longest name Powertools takes', [count('N'.repeat(255)), count('CallsUpdated')]],
  [
    'a value that is not a number',
    [count('CallsUpdated'), (m) => m.addMetric('Bad', MetricUnit.Count, '1' as never)],
  ],
  ['a unit Powertools refuses', [count('CallsUpdated'), (m) => m.addMetric('Bad', 'Counts' as never, 1)]],
  [
    'a resolution Powertools refuses',
    [count('CallsUpdated'), (m) => m.addMetric('Bad', MetricUnit.Count, 1, 5 as never)],
  ],
  [
    'a metric added again in another unit (Powertools refuses it)',
    [count('CallsUpdated'), (m) => m.addMetric('CallsUpdated', MetricUnit.Seconds, 1)],
  ],
  [
    'a metric added again at another resolution (the first one stays)',
    [count('CallsUpdated'), (m) => m.addMetric('CallsUpdated', MetricUnit.Count, 2, MetricResolution.High)],
  ],
  [
    'metrics cleared before the flush',
    [count('CallsUpdated'), (m) => m.clearMetrics(), count('CallsFailed')],
  ],
  [
    'the store read before the flush',
    [
      count('CallsUpdated'),
      (m) => m.addMetadata('stored', String(m.hasStoredMetrics())),
      count('CallsFailed'),
    ],
  ],
  [
    'the line serialized before the flush',
    [
      count('CallsUpdated'),
      (m) => m.addMetadata('serialized', JSON.stringify(m.serializeMetrics())),
      count('X'),
    ],
  ],
  [
    'values JSON writes otherwise than as text (not finite, negative zero, exponents)',
    [
      count('NotANumber', Number.NaN),
      count('Infinite', Number.POSITIVE_INFINITY),
      count('NegativeZero', -0),
      count('Large', 1e21),
      count('Small', 1e-7),
    ],
  ],
  ['99 values of one metric (Powertools does not flush)', Array.from({ length: 99 }, () => count('Same'))],
  [
    '100 metrics (Powertools does not flush before the 101st)',
    Array.from({ length: 100 }, (_, i) => count(`M${i}`)),
  ],
  [
    'more metrics than one line holds (Powertools flushes at 100)',
    Array.from({ length: 101 }, (_, i) => count(`M${i}`)),
  ],
  [
    'more values than one metric holds (Powertools flushes at 100)',
    Array.from({ length: 101 }, () => count('Same')),
  ],
];

describe('CallControlMetrics (the lean EMF flush)', () => {
  it.each(CASES)('writes the lines Powertools writes, flush after flush: %s', (_, steps, extra) => {
    const expected = written(new Metrics({ ...options, ...extra }), [steps, steps, steps]);
    vi.restoreAllMocks();
    const actual = written(new CallControlMetrics({ ...options, ...extra }), [steps, steps, steps]);

    expect(actual).toBe(expected);
  });

  it.each(['constructor', '__proto__', 'toString'])(
    'refuses a metric named %s when it is added, as Powertools does (its store is a plain object)',
    (name) => {
      const refusal = (metrics: Metrics): string => {
        try {
          metrics.addMetric(name, MetricUnit.Count, 1);
          return 'stored';
        } catch (error) {
          return (error as Error).message;
        }
      };

      expect(refusal(new CallControlMetrics(options))).toBe(refusal(new Metrics(options)));
    },
  );

  it('writes the same lines when each flush adds other metrics than the one before', () => {
    const cycles: Step[][] = [
      [count('CallsUpdated')],
      [count('CallActionsRejected')],
      [count('CallsUpdated'), count('CallActionsRejected')],
      [count('CallActionsRejected'), count('CallsUpdated', 2)],
      [count('CallsUpdated')],
    ];
    const expected = written(new Metrics(options), cycles);
    vi.restoreAllMocks();

    expect(written(new CallControlMetrics(options), cycles)).toBe(expected);
  });

  it('writes the same lines when a flush has the names of the one before in another unit, resolution or order', () => {
    const cycles: Step[][] = [
      [count('CallsUpdated'), count('CallsFailed')],
      [(m) => m.addMetric('CallsUpdated', MetricUnit.Milliseconds, 2), count('CallsFailed')],
      [
        (m) => m.addMetric('CallsUpdated', MetricUnit.Milliseconds, 3, MetricResolution.High),
        count('CallsFailed'),
      ],
      [count('CallsFailed'), count('CallsUpdated')],
      [count('CallsUpdated')],
      [count('CallsUpdated'), count('CallsFailed')],
    ];
    const expected = written(new Metrics(options), cycles);
    vi.restoreAllMocks();

    expect(written(new CallControlMetrics(options), cycles)).toBe(expected);
  });

  it('writes the same lines for two sets of metrics whose names, units and resolutions read alike once joined', () => {
    // The templates are keyed by names, units and resolutions joined with NUL, which a name may hold too.
    const cycles: Step[][] = [
      [count('x\u0000Count\u000060\u0000y'), count('z')],
      [count('x'), count('y\u0000Count\u000060\u0000z', 2)],
    ];
    const expected = written(new Metrics(options), cycles);
    vi.restoreAllMocks();

    expect(written(new CallControlMetrics(options), cycles)).toBe(expected);
  });

  it('asks Powertools to render a set of metrics once, then writes its lines from that rendering', () => {
    const metrics = new CallControlMetrics(options);
    const serialize = vi.spyOn(metrics, 'serializeMetrics');

    const lines = written(metrics, [
      [count('CallsUpdated')],
      [count('CallsUpdated', 2)],
      [count('CallsUpdated')],
    ]);

    expect(serialize).toHaveBeenCalledTimes(1);
    expect(
      lines
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).CallsUpdated),
    ).toEqual([1, 2, 1]);
  });

  it("keeps the counters of an ordinary invocation out of Powertools' store (no check or store per metric there)", () => {
    const metrics = new CallControlMetrics(options);
    // The first flush of a set has Powertools render its line.
    written(metrics, [[count('CallsUpdated'), count('CallsFailed')]]);
    vi.restoreAllMocks();
    const stored = vi.spyOn(Metrics.prototype, 'addMetric');

    const lines = written(metrics, [
      [count('CallsUpdated'), count('CallsFailed', 2)],
      [count('CallsUpdated', 3), count('CallsFailed')],
    ]);

    expect(stored).not.toHaveBeenCalled();
    expect(
      lines
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).CallsFailed),
    ).toEqual([2, 1]);
  });

  it('hands what it kept to Powertools, in order, once a dimension is added, and keeps the next flush again', () => {
    const metrics = new CallControlMetrics(options);
    const stored = vi.spyOn(Metrics.prototype, 'addMetric');

    written(metrics, [
      [count('A'), count('B', 2), count('A', 3), (m) => m.addDimension('route', 'x')],
      [count('C')],
    ]);

    expect(stored.mock.calls.map(([name, , value]) => [name, value])).toEqual([
      ['A', 1],
      ['A', 3],
      ['B', 2],
      // Rendering the second flush's line once.
      ['C', 1],
    ]);
  });

  it('renders again once the default dimensions change', () => {
    const cycles: Step[][] = [
      [count('CallsUpdated')],
      [(m) => m.setDefaultDimensions({ instance: 'x/y' }), count('CallsUpdated')],
      [count('CallsUpdated')],
      [(m) => m.clearDefaultDimensions(), count('CallsUpdated')],
      [count('CallsUpdated')],
    ];
    const expected = written(new Metrics(options), cycles);
    vi.restoreAllMocks();

    expect(written(new CallControlMetrics(options), cycles)).toBe(expected);
  });

  it('leaves a flush without a namespace to Powertools, which warns on every one', () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', '');
    const warnings: unknown[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (message: unknown) => warnings.push(message),
    };
    const cycles = [[count('CallsUpdated')], [count('CallsUpdated')]];
    const expected = written(new Metrics({ serviceName: options.serviceName, logger }), cycles);
    const warned = warnings.length;
    vi.restoreAllMocks();

    const actual = written(new CallControlMetrics({ serviceName: options.serviceName, logger }), cycles);

    expect(actual).toBe(expected);
    expect(warned).toBe(2);
    expect(warnings).toHaveLength(4);
  });

  it("leaves concurrent invocations (AWS_LAMBDA_MAX_CONCURRENCY) to Powertools: each line carries its own invocation's values", async () => {
    vi.stubEnv('AWS_LAMBDA_MAX_CONCURRENCY', '4');
    // Per-invocation storage, as Lambda's runtime sets it up when it runs invocations concurrently.
    const store = await InvokeStore.getInstanceAsync();
    // Powertools stores the default dimensions per invocation too: made inside one, as a handler would.
    const metrics = store.run({}, () => new CallControlMetrics(options));
    const deferred = () => {
      let release = () => {};
      const done = new Promise<void>((resolve) => (release = resolve));
      return { done, release };
    };
    const aAdded = deferred();
    const bAdded = deferred();
    const aFlushed = deferred();
    const output = captureOutput();
    try {
      // A adds 1, B adds 5, A flushes, then B: a line per invocation, neither value lost nor counted twice.
      await Promise.all([
        store.run({}, async () => {
          metrics.addMetric('CallsUpdated', MetricUnit.Count, 1);
          aAdded.release();
          await bAdded.done;
          metrics.publishStoredMetrics();
          aFlushed.release();
        }),
        store.run({}, async () => {
          await aAdded.done;
          metrics.addMetric('CallsUpdated', MetricUnit.Count, 5);
          bAdded.release();
          await aFlushed.done;
          metrics.publishStoredMetrics();
        }),
      ]);
    } finally {
      output.restore();
    }

    const lines = output.lines.join('').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { CallsUpdated: unknown }).CallsUpdated)).toEqual([1, 5]);
  });

  it('leaves dev mode (POWERTOOLS_DEV, pretty console) and disabled metrics to Powertools', () => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const metrics = new CallControlMetrics(options);
    const publish = vi.spyOn(Metrics.prototype, 'publishStoredMetrics');

    const lines = written(metrics, [[count('CallsUpdated')]]);

    expect(publish).toHaveBeenCalledTimes(1);
    expect(lines).toBe('');
  });
});
