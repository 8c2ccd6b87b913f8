import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_ALIAS, functionBundleOptions } from '../../infra/runtime.ts';
import { PROJECT_ROOT } from './support.ts';

/** The bundles' aliases without the JSON protocol stand-in: the SDK's own protocol, all else as deployed. */
export const { '@aws-sdk/core/protocols': protocolStandIn, ...aliasesWithoutStandIn } = BUNDLE_ALIAS;

/**
 * Bundles `entry` as the functions are bundled, twice: with the project's JSON protocol
 * (`<scratch>/stand-in/index.mjs`) and with the SDK's (`<scratch>/sdk/index.mjs`), for side-by-side runs.
 */
export const bundleWithAndWithoutStandIn = async (entry: string, scratch: string): Promise<void> => {
  const bundleWith = async (name: string, alias: Record<string, string>) =>
    build({
      ...functionBundleOptions(false),
      alias,
      entryPoints: [entry],
      outfile: join(scratch, name, 'index.mjs'),
      absWorkingDir: PROJECT_ROOT,
      logLevel: 'silent',
    });
  await Promise.all([bundleWith('stand-in', { ...BUNDLE_ALIAS }), bundleWith('sdk', aliasesWithoutStandIn)]);
};
