/**
 * The package as a user gets it: `npm pack` (its `prepack` builds `dist/` afresh), then the tarball installed
 * into two apps laid out as `cdk init app` makes them (fixtures next to this file), each synthesised offline
 * with its own `cdk.json` launcher, on the machine's Node.js 20 and on the project's Node.js 24.
 *
 * Needs `dist/` built beforehand (`npm test` runs `npm run build` first): the bundles packed by `prepack` must
 * be byte for byte those of that earlier build, which is what makes the asset hashes reproducible.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_WEBHOOK_PATH } from '../../infra/api.ts';
import { CALL_UPDATE_REQUESTED, DEFAULT_EVENT_SOURCE } from '../../infra/event-contract.ts';
import { bundleVariant, bundleVariantOf, FUNCTION_NAMES } from '../../infra/function-bundles.ts';
import {
  AUDIT_SEARCH_SERVICE_NAME,
  CALL_UPDATE_EVENTS_SERVICE_NAME,
  CLEANUP_DRY_RUN_SERVICE_NAME,
  CLEANUP_SERVICE_NAME,
  CONSOLE_ASSETS_SERVICE_NAME,
  CONSOLE_PRE_TOKEN_SERVICE_NAME,
  HTTP_API_SERVICE_NAME,
  STATUS_CALLBACK_SERVICE_NAME,
} from '../../infra/metric-names.ts';
import { PROJECT_ROOT } from '../infra/support.ts';
import { PACKAGE_FIGURES_END, PACKAGE_FIGURES_START, renderPackageFigures } from './package-figures.ts';

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
  [CLEANUP_DRY_RUN_SERVICE_NAME]: 'cleanup-dry-run',
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
        assetHash(join(packageRoot, 'dist', 'functions', bundleVariantOf(name, tracer), name)),
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

let manifestBeforePack: string;
let readmeBeforePack: string;
beforeAll(() => {
  hashesBeforePack = bundleHashes(PROJECT_ROOT);
  manifestBeforePack = readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8');
  readmeBeforePack = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
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
        'docs/package.md',
        'docs/deploy.md',
        'dist/index.js',
        'dist/index.cjs',
        'dist/types/esm/infra/index.d.ts',
        'dist/types/cjs/infra/index.d.ts',
        'dist/types/cjs/package.json',
        'schemas/events/call-update-requested.schema.json',
        ...[false, true].flatMap((tracer) =>
          FUNCTION_NAMES.flatMap((name) => [
            `dist/functions/${bundleVariantOf(name, tracer)}/${name}/index.mjs`,
            `dist/functions/${bundleVariantOf(name, tracer)}/${name}/index.mjs.map`,
          ]),
        ),
      ]),
    );
    console.log(`tarball: ${paths.length} files, ${(tarballBytes / 1_048_576).toFixed(2)} MiB packed`);
  });

  it('stays within the bounds docs/package.md documents: 250 files, 3.5 MiB packed, 12 MiB unpacked, known paths', () => {
    expect(packedFiles.length).toBeLessThanOrEqual(250);
    expect(tarballBytes).toBeLessThan(3.5 * 1_048_576);
    expect(unpackedBytes).toBeLessThan(12 * 1_048_576);
    const unexpected = packedFiles
      .map((file) => file.path)
      .filter(
        (path) =>
          !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|docs\/(package|deploy)\.md|bin\/call-control\.mjs|dist\/index\.(js|cjs)|dist\/types\/(esm|cjs)\/.+\.d\.ts|dist\/types\/cjs\/package\.json|dist\/functions\/(default|powertools-tracer)\/[a-z-]+\/index\.mjs(\.map)?|dist\/cli\/call-control\.mjs|dist\/cli\/chunks\/[\w-]+\.mjs|schemas\/events\/[a-z-]+\.schema\.json)$/.test(
            path,
          ),
      );
    expect(unexpected).toEqual([]);
    const documented = readFileSync(join(PROJECT_ROOT, 'docs', 'package.md'), 'utf8');
    expect(documented).toContain('250 files, 3.5 MiB packed or 12 MiB unpacked');
  });

  it('leaves out tests, benchmarks, CI, local stand-ins and the TypeScript sources', () => {
    const unwanted = packedFiles
      .map((file) => file.path)
      .filter((path) =>
        /^(test|bench|\.ci|local|functions|infra|scripts|types|packaging|node_modules)\//.test(path),
      );
    expect(unwanted).toEqual([]);
  });

  it('packs bundles identical to the earlier build: the same sources give the same asset hashes', () => {
    expect(hashesAfterPack).toEqual(hashesBeforePack);
  });

  it('leaves the repository’s own package.json and README.md as they were once packed', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).toBe(manifestBeforePack);
    expect(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')).toBe(readmeBeforePack);
    expect(existsSync(join(PROJECT_ROOT, '.tmp', 'pack-backup'))).toBe(false);
  });

  it('is what docs/package.md says it is: its figures are this pack’s (UPDATE_DOC_FIGURES=1 rewrites them)', () => {
    const docsPath = join(PROJECT_ROOT, 'docs', 'package.md');
    const docs = readFileSync(docsPath, 'utf8');
    const version = (JSON.parse(manifestBeforePack) as { version: string }).version;
    const measured = renderPackageFigures({ version, files: packedFiles, tarballBytes, unpackedBytes });
    const start = docs.indexOf(PACKAGE_FIGURES_START);
    const end = docs.indexOf(PACKAGE_FIGURES_END);
    expect(start, 'docs/package.md has the figures markers').toBeGreaterThan(0);
    const documented = docs.slice(start, end + PACKAGE_FIGURES_END.length);
    if (process.env.UPDATE_DOC_FIGURES === '1' && documented !== measured) {
      writeFileSync(docsPath, docs.slice(0, start) + measured + docs.slice(end + PACKAGE_FIGURES_END.length));
      return;
    }

    expect(documented).toBe(measured);
  });
});

/** The manifest as packed, read from an app's node_modules. */
const installedManifest = (app: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(app, 'node_modules', PACKAGE_NAME, 'package.json'), 'utf8'));

/**
 * The code blocks of docs/package.md that follow a line naming a file (`` `lib/telephony-stack.ts`: ``, or
 * `` `bin/telephony.ts`, with …: ``), by
 * that file name: the apps below are those examples, so the docs cannot drift from what is tested.
 */
const documentedFiles = (): Record<string, string> => {
  const docs = readFileSync(join(PROJECT_ROOT, 'docs', 'package.md'), 'utf8');
  return Object.fromEntries(
    [...docs.matchAll(/^`([\w/.-]+)`[^\n]*:\n\n```\w+\n([\s\S]*?)```$/gm)].map((match) => [
      match[1],
      match[2],
    ]),
  );
};

/** The `--app` of the command docs/package.md gives to synthesise its regulated app (`bin/regulated.ts`). */
const documentedRegulatedApp = (): string => {
  const docs = readFileSync(join(PROJECT_ROOT, 'docs', 'package.md'), 'utf8');
  const app = /^npx cdk synth --app '([^']*bin\/regulated\.ts)'$/m.exec(docs)?.[1];
  if (app === undefined)
    throw new Error("docs/package.md gives no `npx cdk synth --app '… bin/regulated.ts'`");
  return app;
};

/** The aws-cdk-lib a consumer app is tested with: the lowest the peer range allows, and the registry's newest. */
const AWS_CDK_LIB = {
  minimum: (
    JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    }
  ).peerDependencies['aws-cdk-lib']?.replace(/^[\^~>=]+/, '') as string,
  newest: (): string => run('npm', ['view', 'aws-cdk-lib', 'version'], PROJECT_ROOT).stdout.trim(),
};
const CDK_NAG_VERSION = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  }
).devDependencies['cdk-nag']?.replace(/^[\^~]/, '') as string;

/**
 * One consumer app: copied from its fixture, the docs' example files written into it (the stack and the app
 * entry with cdk-nag on), then the tarball, `awsCdkLib` and cdk-nag installed from the registry.
 */
const installApp = (fixture: string, files: Record<string, string>, awsCdkLib: string): string => {
  const app = join(scratch, fixture);
  cpSync(join(import.meta.dirname, fixture), app, { recursive: true });
  const documented = documentedFiles();
  for (const [documentedName, target] of Object.entries(files)) {
    const content = documented[documentedName];
    if (content === undefined) throw new Error(`docs/package.md has no \`${documentedName}\`: block`);
    mkdirSync(dirname(join(app, target)), { recursive: true });
    writeFileSync(join(app, target), content);
  }
  // The local tarball and the registry; the npm cache makes a second install of a version cheap.
  timed(`npm install (${fixture}, aws-cdk-lib ${awsCdkLib})`, () =>
    run(
      'npm',
      [
        'install',
        tarball,
        `aws-cdk-lib@${awsCdkLib}`,
        `cdk-nag@${CDK_NAG_VERSION}`,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ],
      app,
    ),
  );
  return app;
};

const installedVersion = (app: string, name: string): string =>
  (JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;

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

/** What an app's synth must show: cdk-nag ran over it (it reports its findings and acknowledgements by rule). */
const expectNagClean = (output: string): void => {
  expect(output).not.toMatch(/AwsSolutions-\w+/);
  expect(output).not.toMatch(/Validation failed/i);
};

/** The packed manifest: what a user's npm reads. */
const expectProductManifest = (app: string): void => {
  const manifest = installedManifest(app);
  for (const field of ['imports', 'devDependencies', 'scripts', 'overrides', 'allowScripts']) {
    expect(manifest, field).not.toHaveProperty(field);
  }
  expect(manifest).toMatchObject({
    name: PACKAGE_NAME,
    peerDependencies: { 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) },
    bin: { 'call-control': 'bin/call-control.mjs' },
  });
  // The README for people who install it, not the contributors' one.
  expect(readFileSync(join(app, 'node_modules', PACKAGE_NAME, 'README.md'), 'utf8')).toBe(
    readFileSync(join(PROJECT_ROOT, 'packaging', 'README.md'), 'utf8'),
  );
};

describe('a TypeScript app made by `cdk init app --language typescript` (tsc, then tsx), newest aws-cdk-lib', () => {
  let app: string;
  let newest: string;
  beforeAll(() => {
    newest = AWS_CDK_LIB.newest();
    app = installApp(
      'ts-app',
      {
        'lib/telephony-stack.ts': 'lib/telephony-stack.ts',
        'bin/telephony.ts': 'bin/telephony.ts',
        'lib/refusals-alarm.ts': 'lib/refusals-alarm.ts',
        'lib/compliance-acknowledgements.ts': 'lib/compliance-acknowledgements.ts',
        'bin/regulated.ts': 'bin/regulated.ts',
      },
      newest,
    );
  }, 600_000);

  it('runs the docs’ own TypeScript example against the registry’s newest aws-cdk-lib', () => {
    expect(installedVersion(app, 'aws-cdk-lib')).toBe(newest);
    expect(readFileSync(join(app, 'bin', 'telephony.ts'), 'utf8')).toContain('new AwsSolutionsChecks(app)');
  });

  it('installs a package.json without imports, scripts or devDependencies, and the users’ README', () => {
    expectProductManifest(app);
  });

  it.each(['system', 'project'] as const)(
    'synthesises from the prebuilt bundles on %s Node.js, cdk-nag clean',
    (node) => {
      const { template, output, nodeVersion } = synth(app, 'TelephonyStack', node);

      expectNagClean(output);
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
      // http-api, status-callback, cleanup, call-update-events and the console's cleanup dry run.
      expectSecretGrant(template, 5);
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
    },
  );

  it('builds the docs’ custom alarm from a metric method: on this construct’s instance, with the options given', () => {
    // lib/refusals-alarm.ts went through the app's tsc in the synths above; here it runs.
    const program = [
      "import { App, Stack } from 'aws-cdk-lib';",
      "import { CallControl } from 'signalwire-call-control';",
      "import { refusalsAlarm } from './lib/refusals-alarm';",
      'const app = new App({ outdir: process.argv[2] });',
      "const stack = new Stack(app, 'Alarms');",
      "refusalsAlarm(stack, new CallControl(stack, 'CallControl', { secretName: 'x' }));",
      "const { template } = app.synth().getStackByName('Alarms');",
      'const alarms = Object.values(template.Resources).filter((r) => r.Type === "AWS::CloudWatch::Alarm");',
      'process.stdout.write(JSON.stringify(alarms.map((a) => a.Properties)));',
    ].join('\n');
    const file = join(app, 'alarm-example.ts');
    writeFileSync(file, program);
    const alarms = JSON.parse(
      run('npx', ['--no-install', 'tsx', file, join(scratch, 'alarm-example-out')], app).stdout,
    ) as Array<Record<string, unknown>>;

    expect(alarms).toContainEqual(
      expect.objectContaining({
        MetricName: 'CallActionsRejected',
        Period: 900,
        Threshold: 20,
        Dimensions: [
          { Name: 'instance', Value: 'Alarms/CallControl' },
          { Name: 'service', Value: HTTP_API_SERVICE_NAME },
        ],
      }),
    );
  });

  it('synthesises the docs’ regulated app: AwsSolutions, HIPAA, NIST 800-53 R5 and PCI DSS on, the docs’ acknowledgements', () => {
    // bin/regulated.ts and lib/compliance-acknowledgements.ts went through the app's tsc in the synths above;
    // the command is the one the docs give.
    const out = join(scratch, 'regulated-out');
    const result = timed('cdk synth (regulated)', () =>
      run(
        'npx',
        ['--no-install', 'cdk', 'synth', '--quiet', '--app', documentedRegulatedApp(), '--output', out],
        app,
      ),
    );
    const template = JSON.parse(
      readFileSync(join(out, 'RegulatedTelephony.template.json'), 'utf8'),
    ) as Template;

    expect(`${result.stdout}${result.stderr}`).not.toMatch(/Validation ?failed|HIPAA\.|NIST\.|PCI\./i);
    expect(resourcesOf(template, 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(3);
    expect(resourcesOf(template, 'AWS::CloudWatch::Alarm').length).toBeGreaterThan(0);
    for (const alarm of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('has cdk-nag really on: a wildcard of the app’s own in the operators’ policy fails the synth, alone', () => {
    // The docs' stack again, with one unacknowledged wildcard added to the role that grantInvoke wrote into.
    const out = join(scratch, 'nag-canary-out');
    const program = [
      "import { App, Validations } from 'aws-cdk-lib';",
      "import { PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';",
      "import { AwsSolutionsChecks } from 'cdk-nag';",
      "import { TelephonyStack } from './lib/telephony-stack';",
      'const app = new App({ outdir: process.argv[2] });',
      'Validations.of(app).addPlugins(new AwsSolutionsChecks(app));',
      "const stack = new TelephonyStack(app, 'TelephonyStack');",
      "const operators = stack.node.findChild('Operators') as Role;",
      "operators.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));",
      "try { app.synth(); process.stdout.write('synthesised'); } catch (error) { process.stdout.write(String(error)); }",
    ].join('\n');
    const file = join(app, 'nag-canary.ts');
    writeFileSync(file, program);
    const said = run('npx', ['--no-install', 'tsx', file, out], app).stdout;
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations: Array<{ ruleName: string; violatingConstructs: unknown[] }> }>;
    };

    // aws-cdk-lib words it 'Validation failed' or 'ValidationFailed', depending on the version.
    expect(said).toMatch(/Validation ?failed/i);
    expect(
      report.pluginReports.flatMap((plugin) =>
        plugin.violations.map((violation) => [violation.ruleName, violation.violatingConstructs.length]),
      ),
    ).toEqual([['AwsSolutions-IAM5[Resource::*]', 1]]);
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

  // TypeScript 7 (the app's) has dropped `node10`; apps still on it run TypeScript 5, as this repository does.
  // `type` is the folder's package.json `type`: under node16/nodenext it decides whether `import` is compiled
  // to `require` (the package's CommonJS declarations) or stays an ES import (its ESM declarations). Every case
  // checks the package's declarations too (skipLibCheck off): a consumer that does must not fail on them.
  const OWN_TSC = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  it.each([
    ['node10', 'commonjs', 'commonjs', 'TypeScript 5'],
    ['bundler', 'esnext', 'module', 'the app’s TypeScript'],
    ['bundler', 'preserve', 'commonjs', 'the app’s TypeScript'],
    ['node16', 'node16', 'commonjs', 'the app’s TypeScript'],
    ['node16', 'node16', 'module', 'the app’s TypeScript'],
    ['nodenext', 'nodenext', 'commonjs', 'the app’s TypeScript'],
    ['nodenext', 'nodenext', 'module', 'the app’s TypeScript'],
  ] as const)(
    'resolves and checks the types of `/infra` and the root under moduleResolution %s (module %s, a %s package, %s)',
    (resolution, module, type, tsc) => {
      // A folder of its own, removed again, so the app's own tsc runs above and below never see it.
      const folder = join(app, `resolution-${resolution}-${module}-${type}`);
      mkdirSync(folder, { recursive: true });
      try {
        writeFileSync(join(folder, 'package.json'), JSON.stringify({ type }));
        writeFileSync(
          join(folder, 'check.ts'),
          [
            `import { CallControl, type CallControlProps } from '${PACKAGE_NAME}/infra';`,
            `import { CallControl as RootCallControl } from '${PACKAGE_NAME}';`,
            "import { Duration, Stack } from 'aws-cdk-lib';",
            'export const same: typeof RootCallControl = CallControl;',
            'const props: CallControlProps = {',
            "  secretName: 'signalwire/call-control',",
            '  signalWireTimeout: Duration.seconds(4),',
            "  cleanupSchedules: [{ name: 'stale-calls', policy: { maxAgeSeconds: { inProgress: 14_400 } } }],",
            '};',
            "export const build = (stack: Stack): string => new CallControl(stack, 'CallControl', props).apiUrl;",
            '',
          ].join('\n'),
        );
        writeFileSync(
          join(folder, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: {
              // What `cdk init` writes (Node.js 20 has all of ES2022), with the libraries' declarations checked.
              target: 'ES2022',
              lib: ['es2022'],
              strict: true,
              noEmit: true,
              skipLibCheck: false,
              types: [],
              module,
              moduleResolution: resolution,
            },
            files: ['check.ts'],
          }),
        );
        const [program, ...args] =
          tsc === 'TypeScript 5' ? [process.execPath, OWN_TSC] : ['npx', '--no-install', 'tsc'];
        const checked = spawnSync(program, [...args, '-p', folder], {
          cwd: app,
          encoding: 'utf8',
          timeout: 300_000,
          env: { ...process.env, PATH: NODES.system },
        });
        // aws-cdk-lib's own declarations are its to answer for (the newest needs lib esnext.disposable): every
        // other error, ours, the check's or the configuration's, counts.
        const errors = `${checked.stdout}${checked.stderr}`
          .split('\n')
          .filter((line) => line.trim() !== '' && !line.startsWith(' '))
          .filter((line) => !line.startsWith('node_modules/aws-cdk-lib/'));
        expect(errors).toEqual([]);
        expect(checked.error).toBeUndefined();
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  );

  it('uses the app’s own aws-cdk-lib and constructs, not copies of its own', () => {
    const installed = join(app, 'node_modules', PACKAGE_NAME, 'node_modules');
    expect(existsSync(join(installed, 'aws-cdk-lib'))).toBe(false);
    expect(existsSync(join(installed, 'constructs'))).toBe(false);
  });
});

describe('a JavaScript app made by `cdk init app --language javascript` (CommonJS, node), lowest aws-cdk-lib', () => {
  let app: string;
  beforeAll(() => {
    app = installApp(
      'js-app',
      { 'lib/telephony-stack.js': 'lib/telephony-stack.js', 'bin/telephony.js': 'bin/telephony.js' },
      AWS_CDK_LIB.minimum,
    );
  }, 600_000);

  it('runs the docs’ own JavaScript example against the lowest aws-cdk-lib the peer range allows', () => {
    expect(installedVersion(app, 'aws-cdk-lib')).toBe(AWS_CDK_LIB.minimum);
    expectProductManifest(app);
  });

  it('declares a constructs peer range whose lowest version the lowest aws-cdk-lib accepts', () => {
    // `^10.0.0` let npm pick constructs 10.0.0, which aws-cdk-lib 2.276 (needing ^10.5.0) refuses: ERESOLVE.
    const lowest = (range: string | undefined): number[] =>
      (range ?? '')
        .replace(/^[\^~>=]+/, '')
        .split('.')
        .map(Number);
    const ours = lowest((installedManifest(app).peerDependencies as Record<string, string>).constructs);
    const needed = lowest(
      (
        JSON.parse(readFileSync(join(app, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')) as {
          peerDependencies: Record<string, string>;
        }
      ).peerDependencies.constructs,
    );
    const compare =
      ours.map((part, i) => part - (needed[i] ?? 0)).find((difference) => difference !== 0) ?? 0;

    expect(needed.length).toBe(3);
    expect(
      compare,
      `constructs ^${ours.join('.')} vs aws-cdk-lib's ^${needed.join('.')}`,
    ).toBeGreaterThanOrEqual(0);
  });

  it('has no esbuild to bundle with', () => {
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', '@esbuild'))).toBe(false);
  });

  it.each(['system', 'project'] as const)(
    'synthesises from the prebuilt Powertools Tracer bundles on %s Node.js, cdk-nag clean',
    (node) => {
      const { template, output } = synth(app, 'TelephonyStack', node);

      expectNagClean(output);
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
            'cleanup-dry-run',
          ].map((name) => [name, hashesBeforePack[`${variant}/${name}`]]),
        ),
      );
      expectProtectedRoutes(template);
      expectConsoleSignIn(template);
      expectSecretGrant(template, 4);
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
