import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { BUNDLE_ALIAS, functionBundleOptions, USUAL_ESM_REQUIRE_BANNER } from '../infra/runtime.ts';

/**
 * The esbuild options every deployed function is built with (`infra/runtime.ts`, shared with the package build
 * and the construct's source bundling), as deployed by default: the Powertools Tracer left out.
 */
export const PRODUCTION_BUILD: BuildOptions = {
  ...functionBundleOptions(false),
  logLevel: 'warning',
};

/** Bytes of a bundle that came from one group of inputs. */
export interface BundleShare {
  group: string;
  bytes: number;
}

export interface BundleReport {
  /** `http-api`, `cleanup`, ... or `reference`. */
  name: string;
  entry: string;
  outfile: string;
  /** Minified JavaScript, source map excluded. */
  bytes: number;
  /** gzip level 9 of the same file. */
  gzipBytes: number;
  /** The external source map Lambda also receives (the bundle reads it at its first stack trace). */
  mapBytes: number;
  /** Largest contributors first. */
  shares: BundleShare[];
  /** Packages bundled from more than one installed copy (split versions), with the copies' paths. */
  duplicates: Array<{ name: string; copies: string[] }>;
}

/**
 * The project's stand-ins for AWS SDK modules (infra/runtime.ts BUNDLE_ALIAS), as metafile input paths: their
 * bytes are the AWS SDK's share, not the project's own code.
 */
const SDK_STAND_INS = new Set(
  Object.entries(BUNDLE_ALIAS)
    .filter(([module]) => module.startsWith('@aws-sdk/') || module.startsWith('@smithy/'))
    .map(([, file]) => relative(join(import.meta.dirname, '..'), file)),
);

/** Groups an input path of the metafile under a name that says who is responsible for its bytes. */
const groupOf = (input: string): string => {
  if (SDK_STAND_INS.has(input)) return 'AWS SDK v3 (Secrets Manager client)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  const name = match?.[1];
  if (!name) return input.startsWith('bench/') ? 'reference handler (own code)' : 'project code';
  if (name.startsWith('@aws-sdk/') || name.startsWith('@smithy/') || name.startsWith('@aws/')) {
    return 'AWS SDK v3 (Secrets Manager client)';
  }
  if (name.startsWith('@aws-lambda-powertools/')) return 'Powertools';
  if (name.startsWith('@middy/')) return 'middy';
  if (name === 'ajv' || name.startsWith('ajv-') || name === 'fast-uri' || name === 'fast-deep-equal') {
    return 'ajv';
  }
  if (name === '@signalwire/compatibility-api') return 'SignalWire SDK (with axios, lodash, q, ...)';
  return name;
};

/** Every `functions/*.ts` handler, in name order. */
export const functionEntries = (root: string): string[] =>
  readdirSync(join(root, 'functions'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .filter((file) => statSync(join(root, 'functions', file)).isFile())
    .sort()
    .map((file) => join('functions', file));

/** Bundles one entry the production way into `outDir/<name>/index.mjs` and measures it. */
export const bundle = async (
  root: string,
  entry: string,
  name: string,
  outDir: string,
  overrides: BuildOptions = {},
): Promise<BundleReport> => {
  const outfile = join(outDir, name, 'index.mjs');
  const result = await build({
    ...PRODUCTION_BUILD,
    ...overrides,
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    metafile: true,
  });
  const output = result.metafile.outputs[relative(root, outfile)];
  const groups = new Map<string, number>();
  const copies = new Map<string, Set<string>>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const group = groupOf(input);
    groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
    const installed = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (installed?.[1] && installed[2]) {
      copies.set(installed[2], (copies.get(installed[2]) ?? new Set()).add(installed[1]));
    }
  }
  const code = readFileSync(outfile);
  return {
    name,
    entry,
    outfile,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    mapBytes: statSync(`${outfile}.map`).size,
    shares: [...groups].map(([group, bytes]) => ({ group, bytes })).sort((a, b) => b.bytes - a.bytes),
    duplicates: [...copies]
      .filter(([, paths]) => paths.size > 1)
      .map(([packageName, paths]) => ({ name: packageName, copies: [...paths].sort() })),
  };
};

const REFERENCE_ENTRY = 'bench/reference/sdk-update-handler.ts';
/**
 * The reference is bundled as a user would bundle it, with the `createRequire` banner CDK's documentation gives
 * (the functions take the same `require` without the `node:module` facade: infra/runtime.ts ESM_REQUIRE_BANNER).
 */
const REFERENCE_BANNER = { banner: { js: USUAL_ESM_REQUIRE_BANNER } };

/**
 * bench/warm-design-floor.ts bundled as a user would bundle it (as the reference is: no alias, the usual
 * `createRequire` banner): the design floor of a warm invocation, none of this project's build choices in it.
 */
export const designFloorBundle = (root: string, outDir: string): Promise<BundleReport> =>
  bundle(root, 'bench/warm-design-floor.ts', 'warm-design-floor', outDir, { ...REFERENCE_BANNER, alias: {} });

/** bench/warm-required-work.ts, the required-work floor of a warm invocation, bundled as the design floor is. */
export const requiredWorkBundle = (root: string, outDir: string): Promise<BundleReport> =>
  bundle(root, 'bench/warm-required-work.ts', 'warm-required-work', outDir, {
    ...REFERENCE_BANNER,
    alias: {},
  });

/**
 * Bundles every function and the reference handler. The reference is bundled as a user would bundle it (the
 * AWS SDK's default credential chain included, no alias); `referenceEnvCredentials` is the same handler with
 * this project's alias too, for the context row; `referenceRuntimeSdk` takes the AWS SDK from the Lambda
 * runtime instead of bundling it.
 */
export const buildAll = async (
  root: string,
  outDir: string,
): Promise<{
  functions: BundleReport[];
  reference: BundleReport;
  referenceEnvCredentials: BundleReport;
  referenceRuntimeSdk: BundleReport;
  sdkFloor: BundleReport;
}> => {
  const functions = await Promise.all(
    functionEntries(root).map((entry) => bundle(root, entry, basename(entry, '.ts'), outDir)),
  );
  const reference = await bundle(root, REFERENCE_ENTRY, 'reference', outDir, {
    ...REFERENCE_BANNER,
    alias: {},
  });
  const referenceEnvCredentials = await bundle(
    root,
    REFERENCE_ENTRY,
    'reference-env-credentials',
    outDir,
    REFERENCE_BANNER,
  );
  // Lambda's Node.js runtimes ship the AWS SDK v3; a user may leave it out of the bundle (NodejsFunction's
  // `externalModules: ['@aws-sdk/*']`, its default before CDK bundled it). Locally the import resolves to this
  // repository's node_modules, the same version the bundled reference carries.
  const referenceRuntimeSdk = await bundle(root, REFERENCE_ENTRY, 'reference-runtime-sdk', outDir, {
    ...REFERENCE_BANNER,
    alias: {},
    external: ['@aws-sdk/*'],
  });
  const sdkFloor = await bundle(root, 'bench/cold-floor-sdk.ts', 'sdk-floor', outDir);
  return { functions, reference, referenceEnvCredentials, referenceRuntimeSdk, sdkFloor };
};

/**
 * An esbuild plugin that replaces the modules one importer imports by relative path (`./pacer.ts` from
 * run-cleanup.ts, ...) with bench stand-ins: for the bench-only ablation bundles, never for a shipped one.
 */
export const replaceModules = (
  root: string,
  replacements: ReadonlyArray<{ importer: string; request: string; standIn: string }>,
): Plugin => ({
  name: 'bench-stand-ins',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const found = replacements.find(
        ({ importer, request }) => args.path === request && args.importer === join(root, importer),
      );
      return found ? { path: join(root, found.standIn) } : undefined;
    });
  },
});

const STAND_INS = 'bench/stand-ins';

/** Powertools' Logger and Metrics (with the project's subclasses) replaced by minimal stand-ins of the same calls. */
const withoutPowertools = (root: string): BuildOptions => ({
  alias: { ...PRODUCTION_BUILD.alias, '@aws-lambda-powertools/metrics': `./${STAND_INS}/metrics.ts` },
  plugins: [
    replaceModules(root, [
      {
        importer: 'functions/commons/platform/powertools.ts',
        request: './audit-logger.ts',
        standIn: `${STAND_INS}/logger.ts`,
      },
      {
        importer: 'functions/commons/platform/powertools.ts',
        request: './emf-metrics.ts',
        standIn: `${STAND_INS}/metrics.ts`,
      },
    ]),
  ],
});

/** `@middy/core` and every middy middleware replaced by a stand-in that runs the handler alone. */
const MIDDY_STAND_INS = {
  '@middy/core': `./${STAND_INS}/middy.ts`,
  '@middy/http-event-normalizer': `./${STAND_INS}/middy-middleware.ts`,
  '@middy/http-header-normalizer': `./${STAND_INS}/middy-middleware.ts`,
  '@middy/http-json-body-parser': `./${STAND_INS}/middy-middleware.ts`,
  '@middy/http-urlencode-body-parser': `./${STAND_INS}/middy-middleware.ts`,
  '@middy/http-router': `./${STAND_INS}/middy-middleware.ts`,
};

/** The http-api function without what the design keeps, one part at a time: bench only, never shipped. */
export interface AblationBundles {
  /** Powertools' Logger and Metrics replaced by minimal stand-ins of the same calls. */
  noPowertools: BundleReport;
  /** The middy chain removed: the handler runs alone. */
  noMiddy: BundleReport;
  /** Both. */
  neither: BundleReport;
}

/** Builds the cold-start ablation bundles of the http-api function (bench/stand-ins), into `outDir`. */
export const ablationBundles = async (root: string, outDir: string): Promise<AblationBundles> => {
  const entry = 'functions/http-api.ts';
  const noPowertoolsOptions = withoutPowertools(root);
  const [noPowertools, noMiddy, neither] = await Promise.all([
    bundle(root, entry, 'http-api-no-powertools', outDir, noPowertoolsOptions),
    bundle(root, entry, 'http-api-no-middy', outDir, {
      alias: { ...PRODUCTION_BUILD.alias, ...MIDDY_STAND_INS },
    }),
    bundle(root, entry, 'http-api-neither', outDir, {
      ...noPowertoolsOptions,
      alias: { ...noPowertoolsOptions.alias, ...MIDDY_STAND_INS },
    }),
  ]);
  return { noPowertools, noMiddy, neither };
};

/** bench/cleanup-driver.ts with the cleanup's pacer released (every start at once): bench only. */
export const unpacedCleanupDriver = (root: string, outDir: string): Promise<BundleReport> =>
  bundle(root, 'bench/cleanup-driver.ts', 'cleanup-driver-unpaced', outDir, {
    plugins: [
      replaceModules(root, [
        {
          importer: 'functions/commons/cleanup/run-cleanup.ts',
          request: './pacer.ts',
          standIn: `${STAND_INS}/pacer.ts`,
        },
      ]),
    ],
  });
