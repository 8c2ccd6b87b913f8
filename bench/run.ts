/**
 * `npm run bench [-- <name> ...]`: builds the production bundles, runs every measurement (or the named ones)
 * side by side with its reference, and writes bench/results.json and docs/benchmarks.md. See
 * docs/benchmarks.md for the method. Each measurement is a module exporting a `Measurement`
 * (bench/measurement.ts); add one by importing it and listing it below.
 */
import { resolve } from 'node:path';
import { bundleSize } from './bundle-size.ts';
import { cleanup } from './cleanup.ts';
import { cleanupDeployed } from './cleanup-deployed.ts';
import { nativeCleanup } from './cleanup-native.ts';
import { cliStartup } from './cli-startup.ts';
import { coldStart } from './cold-start.ts';
import { consoleFigures } from './console.ts';
import { eventPath } from './event-path.ts';
import type { Measurement } from './measurement.ts';
import { memory } from './memory.ts';
import { nativeWarm } from './native-warm.ts';
import { runBench } from './runner.ts';
import { warm, warmTls } from './warm.ts';
import { warmLayers } from './warm-layers.ts';

/** In this order in the table. */
const MEASUREMENTS: Measurement[] = [
  bundleSize,
  coldStart,
  warm,
  warmTls,
  nativeWarm,
  warmLayers,
  eventPath,
  cleanup,
  cleanupDeployed,
  nativeCleanup,
  memory,
  cliStartup,
  consoleFigures,
];

await runBench(resolve(import.meta.dirname, '..'), MEASUREMENTS, process.argv.slice(2));
