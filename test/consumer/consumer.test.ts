/**
 * The package as a user gets it: `npm pack` (its `prepack` builds `dist/` afresh), then the tarball installed
 * into two apps laid out as `cdk init app` makes them (fixtures next to this file), each synthesised offline
 * with its own `cdk.json` launcher, on the machine's Node.js 20 and on the project's Node.js 24.
 *
 * Needs `dist/` built beforehand (`npm test` runs `npm run build` first): the bundles packed by `prepack` must
 * be byte for byte those of that earlier build, which is what makes the asset hashes reproducible.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_WEBHOOK_PATH } from '../../infra/api.ts';
import { CALL_UPDATE_REQUESTED, DEFAULT_EVENT_SOURCE } from '../../infra/event-contract.ts';
import { bundleVariant, FUNCTION_NAMES } from '../../infra/function-bundles.ts';
import {
  AUDIT_SEARCH_SERVICE_NAME,
  CALL_UPDATE_EVENTS_SERVICE_NAME,
  CLEANUP_SERVICE_NAME,
  CONSOLE_ASSETS_SERVICE_NAME,
  CONSOLE_PRE_TOKEN_SERVICE_NAME,
  HTTP_API_SERVICE_NAME,
  STATUS_CALLBACK_SERVICE_NAME,
} from '../../infra/metric-names.ts';
import { PROJECT_ROOT } from '../infra/support.ts';

const PACKAGE_NAME = 'signalwire-call-control';
const SECRET_NAME = 'signalwire/call-control';
const FUNCTION_OF_SERVICE: Record<string, (typeof FUNCTION_NAMES)[number]> = {
  [HTTP_API_SERVICE_NAME]: 'http-api',
  [STATUS_CALLBACK_SERVICE_NAME]: 'status-callback',
  [CLEANUP_SERVICE_NAME]: 'cleanup',
  [CALL_UPDATE_EVENTS_SERVICE_NAME]: 'call-update-events',
  [AUDIT_SEARCH_SERVICE_NAME]: 'audit-search',
  [CONSOLE_ASSETS_SERVICE_NAME]: 'console-assets',
  [CONSOLE_PRE_TOKEN_SERVICE_NAME]: 'console-pre-token',
};

/** The asset hash CDK gives a directory deployed with `Code.fromAsset` (AssetStaging's fingerprint options). */
const assetHash = (directory: string): string =>
  FileSystem.fingerprint(directory, { exclude: ['.is_custom_resource'] });

/** Asset hash of every prebuilt bundle of `packageRoot`, by variant and function name. */
const bundleHashes = (packageRoot: string): Record<string, string> =>
  Object.fromEntries(
    [false, true].flatMap((tracer) =>
      FUNCTION_NAMES.map((name) => [
        `${bundleVariant(tracer)}/${name}`,
        assetHash(join(packageRoot, 'dist', 'functions', bundleVariant(tracer), name)),
      ]),
    ),
  );

/** PATH without any project's `node_modules/.bin` (npm puts this project's Node 24 there). */
const basePath = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((entry) => !entry.includes('node_modules'))
  .join(delimiter);
const NODES = {
  /** The machine's Node.js (20 here): what a consumer may well run `cdk synth` on. */
  system: basePath,
  /** The project's Node.js 24 (the `node` devDependency this test runs on). */
  project: [dirname(process.execPath), basePath].join(delimiter),
};
type NodeChoice = keyof typeof NODES;

const run = (
  command: string,
  args: string[],
  cwd: string,
  node: NodeChoice = 'system',
): SpawnSyncReturns<string> => {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, PATH: NODES[node], CDK_DISABLE_CLI_TELEMETRY: 'true', npm_config_yes: 'false' },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
};

const scratch = mkdtempSync(join(tmpdir(), 'call-control-consumer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Timings reported at the end, so the cost of this suite stays visible. */
const timings: Record<string, number> = {};
const timed = <T>(label: string, work: () => T): T => {
  const started = performance.now();
  try {
    return work();
  } finally {
    timings[label] = Math.round(performance.now() - started);
  }
};
afterAll(() => console.log(`consumer suite timings (ms): ${JSON.stringify(timings)}`));

interface PackedFile {
  path: string;
  size: number;
}
let tarball: string;
let packedFiles: PackedFile[];
let tarballBytes: number;
let unpackedBytes: number;
let hashesBeforePack: Record<string, string>;
let hashesAfterPack: Record<string, string>;

beforeAll(() => {
  hashesBeforePack = bundleHashes(PROJECT_ROOT);
  // `npm pack` runs `prepack`, i.e. a second complete build of the same sources.
  const packed = timed('npm pack', () =>
    run('npm', ['pack', '--json', '--pack-destination', scratch], PROJECT_ROOT, 'project'),
  );
  // Lifecycle scripts print to stdout before the JSON.
  const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('\n[') + 1)) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    files: PackedFile[];
  }>;
  if (!report) throw new Error('npm pack reported nothing');
  tarball = join(scratch, report.filename);
  packedFiles = report.files;
  tarballBytes = report.size;
  unpackedBytes = report.unpackedSize;
  hashesAfterPack = bundleHashes(PROJECT_ROOT);
}, 600_000);

describe('the packed tarball', () => {
  it('holds the built library, its declarations, the prebuilt bundles and the event schemas', () => {
    const paths = packedFiles.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.cjs',
        'dist/types/esm/infra/index.d.ts',
        'dist/types/cjs/infra/index.d.ts',
        'dist/types/cjs/package.json',
        'schemas/events/call-update-requested.schema.json',
        ...[false, true].flatMap((tracer) =>
          FUNCTION_NAMES.flatMap((name) => [
            `dist/functions/${bundleVariant(tracer)}/${name}/index.mjs`,
            `dist/functions/${bundleVariant(tracer)}/${name}/index.mjs.map`,
          ]),
        ),
      ]),
    );
    console.log(`tarball: ${paths.length} files, ${(tarballBytes / 1_048_576).toFixed(2)} MiB packed`);
  });

  it('stays within the bounds docs/package.md documents: 200 files, 3 MiB packed, 12 MiB unpacked, known paths', () => {
    expect(packedFiles.length).toBeLessThanOrEqual(200);
    expect(tarballBytes).toBeLessThan(3 * 1_048_576);
    expect(unpackedBytes).toBeLessThan(12 * 1_048_576);
    const unexpected = packedFiles
      .map((file) => file.path)
      .filter(
        (path) =>
          !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|bin\/call-control\.mjs|dist\/index\.(js|cjs)|dist\/types\/(esm|cjs)\/.+\.d\.ts|dist\/types\/cjs\/package\.json|dist\/functions\/(default|powertools-tracer)\/[a-z-]+\/index\.mjs(\.map)?|dist\/cli\/call-control\.mjs|dist\/cli\/chunks\/[\w-]+\.mjs|schemas\/events\/[a-z-]+\.schema\.json)$/.test(
            path,
          ),
      );
    expect(unexpected).toEqual([]);
    const documented = readFileSync(join(PROJECT_ROOT, 'docs', 'package.md'), 'utf8');
    expect(documented).toContain('200 files, 3 MiB packed or 12 MiB unpacked');
  });

  it('leaves out tests, benchmarks, CI, local stand-ins and the TypeScript sources', () => {
    const unwanted = packedFiles
      .map((file) => file.path)
      .filter((path) => /^(test|bench|\.ci|local|functions|infra|scripts|types|node_modules)\//.test(path));
    expect(unwanted).toEqual([]);
  });

  it('packs bundles identical to the earlier build: the same sources give the same asset hashes', () => {
    expect(hashesAfterPack).toEqual(hashesBeforePack);
  });
});

/** One consumer app: copied from its fixture, the tarball installed into it. */
const installApp = (fixture: string): string => {
  const app = join(scratch, fixture);
  cpSync(join(import.meta.dirname, fixture), app, { recursive: true });
  // Only the local tarball and the registry; the npm cache makes the second install cheap.
  timed(`npm install (${fixture})`, () =>
    run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], app),
  );
  return app;
};

/** `npx cdk synth` with the app's own cdk.json launcher; the template and what CDK printed. */
const synth = (
  app: string,
  stackName: string,
  node: NodeChoice,
): { template: Template; output: string; nodeVersion: string } => {
  const nodeVersion = run('node', ['--version'], app, node).stdout.trim();
  rmSync(join(app, 'cdk.out'), { recursive: true, force: true });
  const result = timed(`cdk synth (${stackName}, node ${nodeVersion})`, () =>
    run('npx', ['--no-install', 'cdk', 'synth', '--quiet'], app, node),
  );
  const template = JSON.parse(
    readFileSync(join(app, 'cdk.out', `${stackName}.template.json`), 'utf8'),
  ) as Template;
  return { template, output: `${result.stdout}\n${result.stderr}`, nodeVersion };
};

interface Resource {
  Type: string;
  Properties: Record<string, unknown> & {
    Code?: { S3Key?: string };
    Environment?: { Variables?: Record<string, string> };
    RouteKey?: string;
    AuthorizationType?: string;
    PolicyDocument?: { Statement: Statement[] };
  };
}
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string>>;
}
interface Template {
  Resources: Record<string, Resource>;
}

const resourcesOf = (template: Template, type: string): Resource[] =>
  Object.values(template.Resources).filter((resource) => resource.Type === type);

/** Each function's bundle, as the asset hash of its S3 key, by function name. */
const deployedBundles = (template: Template): Record<string, string | undefined> =>
  Object.fromEntries(
    resourcesOf(template, 'AWS::Lambda::Function').map((fn) => {
      const service = fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME ?? '';
      return [FUNCTION_OF_SERVICE[service] ?? service, fn.Properties.Code?.S3Key?.replace(/\.zip$/, '')];
    }),
  );

const statements = (template: Template): Statement[] =>
  resourcesOf(template, 'AWS::IAM::Policy').flatMap(
    (policy) => policy.Properties.PolicyDocument?.Statement ?? [],
  );

const expectProtectedRoutes = (template: Template): void => {
  const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map((route) => ({
    key: route.Properties.RouteKey,
    auth: route.Properties.AuthorizationType,
  }));
  // SignalWire signs its callbacks (POST, or GET when StatusCallbackMethod=GET); it cannot sign with SigV4.
  const webhookKeys = [`POST ${STATUS_WEBHOOK_PATH}`, `GET ${STATUS_WEBHOOK_PATH}`];
  for (const key of webhookKeys) expect(routes).toContainEqual({ key, auth: 'NONE' });
  const consoleFiles = ['GET /console', 'GET /console/{proxy+}'];
  for (const key of consoleFiles) expect(routes).toContainEqual({ key, auth: 'NONE' });
  const operatorRoutes = routes.filter(
    (route) => !webhookKeys.includes(route.key ?? '') && !consoleFiles.includes(route.key ?? ''),
  );
  const machineRoutes = operatorRoutes.filter((route) => !route.key?.includes(' /console-api/'));
  const consoleRoutes = operatorRoutes.filter((route) => route.key?.includes(' /console-api/'));
  expect(machineRoutes.length).toBeGreaterThanOrEqual(8);
  expect(machineRoutes.every((route) => route.auth === 'AWS_IAM')).toBe(true);
  // The console's routes: each behind the JWT authorizer with one of the console's scopes.
  expect(consoleRoutes.length).toBeGreaterThanOrEqual(10);
  for (const route of resourcesOf(template, 'AWS::ApiGatewayV2::Route')) {
    if (!String(route.Properties.RouteKey).includes(' /console-api/')) continue;
    expect(route.Properties.AuthorizationType).toBe('JWT');
    expect(route.Properties.AuthorizationScopes).toEqual([
      expect.stringMatching(/^call-control\/(read|write|admin)$/),
    ]);
  }
};

/** The console's sign-in: a user pool with its groups, the console's public client, the JWT authorizer. */
const expectConsoleSignIn = (template: Template): void => {
  expect(resourcesOf(template, 'AWS::Cognito::UserPool')).toHaveLength(1);
  expect(
    resourcesOf(template, 'AWS::Cognito::UserPoolGroup')
      .map((g) => g.Properties.GroupName)
      .sort(),
  ).toEqual(['admin', 'operator', 'viewer']);
  expect(resourcesOf(template, 'AWS::Cognito::UserPoolClient')).toEqual([
    expect.objectContaining({
      Properties: expect.objectContaining({ GenerateSecret: false, AllowedOAuthFlows: ['code'] }),
    }),
  ]);
  expect(resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer')).toEqual([
    expect.objectContaining({ Properties: expect.objectContaining({ AuthorizerType: 'JWT' }) }),
  ]);
};

const expectSecretGrant = (template: Template, functions: number): void => {
  const secretStatements = statements(template).filter((statement) =>
    JSON.stringify(statement.Action).includes('secretsmanager:'),
  );
  expect(secretStatements).toHaveLength(functions);
  for (const statement of secretStatements) {
    expect(statement.Action).toBe('secretsmanager:GetSecretValue');
    expect(JSON.stringify(statement.Resource)).toContain(`:secret:${SECRET_NAME}-??????`);
  }
};

describe('a TypeScript app made by `cdk init app --language typescript` (tsc, then tsx)', () => {
  let app: string;
  beforeAll(() => {
    app = installApp('ts-app');
  }, 600_000);

  it.each(['system', 'project'] as const)('synthesises from the prebuilt bundles on %s Node.js', (node) => {
    const { template, output, nodeVersion } = synth(app, 'TsAppStack', node);

    expect(nodeVersion).toMatch(node === 'system' ? /^v20\./ : /^v24\./);
    // Nothing bundled at the consumer: every function is a packaged bundle, hash for hash.
    expect(output).not.toContain('Bundling asset');
    const installed = bundleHashes(join(app, 'node_modules', PACKAGE_NAME));
    expect(installed).toEqual(hashesBeforePack);
    expect(deployedBundles(template)).toEqual(
      Object.fromEntries(FUNCTION_NAMES.map((name) => [name, installed[`default/${name}`]])),
    );
    expectProtectedRoutes(template);
    expectConsoleSignIn(template);
    expectSecretGrant(template, 4);
    // The producer onboarded with the grant helper may publish requests under its own source only.
    expect(statements(template)).toContainEqual(
      expect.objectContaining({
        Action: 'events:PutEvents',
        Condition: {
          StringEquals: { 'events:source': 'com.example.crm', 'events:detail-type': CALL_UPDATE_REQUESTED },
        },
      }),
    );
    expect(resourcesOf(template, 'AWS::Logs::QueryDefinition')).toHaveLength(4);
  });

  it('type-checks the event contract types, whose declarations need nothing the app lacks (skipLibCheck off)', () => {
    // lib/crm-requests.ts imports CallUpdateRequestedEvent & co.; the synth above ran the app's tsc over it.
    // Here the package's own .d.ts files are checked too: none may import a module the app does not have.
    const checked = spawnSync('npx', ['--no-install', 'tsc', '--noEmit', '--skipLibCheck', 'false'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, PATH: NODES.system },
    });
    const packageErrors = `${checked.stdout}${checked.stderr}`
      .split('\n')
      .filter((line) => line.includes(`node_modules/${PACKAGE_NAME}/`) || line.includes('crm-requests'));
    expect(packageErrors).toEqual([]);
  });

  it('uses the app’s own aws-cdk-lib and constructs, not copies of its own', () => {
    const installed = join(app, 'node_modules', PACKAGE_NAME, 'node_modules');
    expect(existsSync(join(installed, 'aws-cdk-lib'))).toBe(false);
    expect(existsSync(join(installed, 'constructs'))).toBe(false);
  });
});

describe('a JavaScript app made by `cdk init app --language javascript` (CommonJS, node)', () => {
  let app: string;
  beforeAll(() => {
    app = installApp('js-app');
  }, 600_000);

  it('has no esbuild to bundle with', () => {
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', '@esbuild'))).toBe(false);
  });

  it.each(['system', 'project'] as const)(
    'synthesises from the prebuilt Powertools Tracer bundles on %s Node.js',
    (node) => {
      const { template, output } = synth(app, 'JsAppStack', node);

      expect(output).not.toContain('Bundling asset');
      const variant = bundleVariant(true);
      expect(deployedBundles(template)).toEqual(
        Object.fromEntries(
          [
            'http-api',
            'status-callback',
            'cleanup',
            'audit-search',
            'console-assets',
            'console-pre-token',
          ].map((name) => [name, hashesBeforePack[`${variant}/${name}`]]),
        ),
      );
      expectProtectedRoutes(template);
      expectConsoleSignIn(template);
      expectSecretGrant(template, 3);
      const sources = resourcesOf(template, 'AWS::Lambda::Function').map(
        (fn) => fn.Properties.Environment?.Variables?.EVENT_SOURCE,
      );
      expect(sources.filter(Boolean)).toEqual([DEFAULT_EVENT_SOURCE]);
    },
  );

  it.each(['system', 'project'] as const)(
    'installs the call-control command, which runs from its bundle on %s Node.js (no TypeScript loader here)',
    (node) => {
      expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
      const help = run('npx', ['--no-install', 'call-control', '--help'], app, node);
      for (const command of ['calls', 'end-all', 'cleanup', 'audit', 'doctor'])
        expect(help.stdout).toContain(command);
      const endHelp = run('npx', ['--no-install', 'call-control', 'calls', 'end', '--help'], app, node);
      expect(endHelp.stdout).toContain('--yes');
    },
  );

  // On the machine's Node.js 20 only: there `require` cannot load an ES module before 20.19, which is what the
  // CommonJS build is for; Node.js 24 loads the CommonJS build in the synths above.
  it.each(['system'] as const)(
    'loads the package with import (ESM build) and require (CommonJS build) alike on %s Node.js',
    (node) => {
      const program = (load: string): string =>
        [
          load,
          'const app = new App({ outdir: process.argv[1] });',
          "const stack = new Stack(app, 'S');",
          "new CallControl(stack, 'C', { secretName: 'x' });",
          "const { template } = app.synth().getStackByName('S');",
          'const keys = Object.values(template.Resources).filter((r) => r.Type === "AWS::Lambda::Function").map((r) => r.Properties.Code.S3Key);',
          'process.stdout.write(JSON.stringify(keys));',
        ].join('\n');
      const esm = program(
        "import { App, Stack } from 'aws-cdk-lib';\nimport { CallControl } from 'signalwire-call-control';",
      );
      const cjs = program(
        "const { App, Stack } = require('aws-cdk-lib');\nconst { CallControl } = require('signalwire-call-control');",
      );
      const keys = (args: string[]): string[] =>
        JSON.parse(run('node', [...args, join(scratch, `out-${args.length}-${node}`)], app, node).stdout);

      const fromImport = keys(['--input-type=module', '-e', esm]);
      const fromRequire = keys(['-e', cjs]);

      expect(fromImport).toHaveLength(3);
      expect(fromImport).toEqual(fromRequire);
      expect(fromImport.map((key) => key.replace(/\.zip$/, '')).sort()).toEqual(
        ['http-api', 'status-callback', 'cleanup'].map((name) => hashesBeforePack[`default/${name}`]).sort(),
      );
    },
  );
});
