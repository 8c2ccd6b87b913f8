/**
 * Bench only, never shipped: a minimal stand-in for functions/commons/platform/audit-logger.ts (Powertools'
 * Logger and the project's lean audit line on top of it), for the cold-start ablation rows (bench/ablation.ts).
 * It takes the same calls the http-api function makes and writes one JSON line per call to stdout with the same
 * top-level fields (level, message, timestamp, service, the Lambda context, the appended keys, the attributes),
 * and nothing else: no sampling, no buffer, no log-event switch, no environment reads per line.
 */
type Keys = Record<string, unknown>;

interface LambdaContextLike {
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string | number;
  awsRequestId?: string;
}

const LEVELS = { DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
type LevelName = keyof typeof LEVELS;

const plain = (value: unknown): unknown =>
  value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;

export class CallControlLogger {
  level: number;
  #service: string;
  #context: Keys = {};
  #keys: Keys = {};
  #persistent: Keys = {};
  #coldStart = true;

  constructor(options: { serviceName?: string; persistentKeys?: Keys } = {}) {
    this.#service = options.serviceName ?? 'service_undefined';
    this.#persistent = { ...options.persistentKeys };
    const name = (process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO').toUpperCase() as LevelName;
    this.level = LEVELS[name] ?? LEVELS.INFO;
  }

  #write(level: LevelName, message: unknown, extra: unknown[]): void {
    if (LEVELS[level] < this.level) return;
    const line: Keys = {
      level,
      message: typeof message === 'string' ? message : JSON.stringify(plain(message)),
      timestamp: new Date().toISOString(),
      service: this.#service,
      ...this.#context,
      ...this.#persistent,
      ...this.#keys,
    };
    for (const item of extra) {
      if (item instanceof Error) line.error = plain(item);
      else if (typeof item === 'object' && item !== null) {
        for (const [key, value] of Object.entries(item)) line[key] = plain(value);
      } else if (item !== undefined) line.extra = item;
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }

  debug(message: unknown, ...extra: unknown[]): void {
    this.#write('DEBUG', message, extra);
  }
  info(message: unknown, ...extra: unknown[]): void {
    this.#write('INFO', message, extra);
  }
  warn(message: unknown, ...extra: unknown[]): void {
    this.#write('WARN', message, extra);
  }
  error(message: unknown, ...extra: unknown[]): void {
    this.#write('ERROR', message, extra);
  }
  critical(message: unknown, ...extra: unknown[]): void {
    this.#write('CRITICAL', message, extra);
  }

  addContext(context: LambdaContextLike): void {
    this.#context = {
      cold_start: this.#coldStart,
      function_arn: context.invokedFunctionArn,
      function_memory_size: Number(context.memoryLimitInMB),
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
    };
    this.#coldStart = false;
  }
  appendKeys(keys: Keys): void {
    Object.assign(this.#keys, keys);
  }
  appendPersistentKeys(keys: Keys): void {
    Object.assign(this.#persistent, keys);
  }
  removeKeys(keys: string[]): void {
    for (const key of keys) delete this.#keys[key];
  }
  resetKeys(): void {
    this.#keys = {};
  }
  getPersistentLogAttributes(): Keys {
    return this.#persistent;
  }
  setLogLevel(name: string): void {
    this.level = LEVELS[name.toUpperCase() as LevelName] ?? this.level;
  }
  getLevelName(): string {
    return Object.entries(LEVELS).find(([, value]) => value === this.level)?.[0] ?? 'INFO';
  }
  refreshSampleRateCalculation(): void {}
  /** No log-event switch: false, as the functions' own logger reads it at load (they never log the event). */
  getLogEvent(): boolean {
    return false;
  }
  clearBuffer(): void {}
  flushBuffer(): void {}
}
