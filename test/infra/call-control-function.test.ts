import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallControlFunction } from '../../infra/call-control-function.ts';
import {
  BUNDLE_FILE,
  FUNCTION_NAMES,
  prebuiltBundleDirectory,
  TRACER_FREE_FUNCTIONS,
} from '../../infra/function-bundles.ts';
import { ESM_REQUIRE_BANNER, functionBundleOptions, USUAL_ESM_REQUIRE_BANNER } from '../../infra/runtime.ts';
import { cdkJsonContext, projectScratchDirectory, testApp } from './support.ts';

const scratch = projectScratchDirectory();
const entry = join(scratch, 'handler.ts');
writeFileSync(entry, 'export const handler = async () => ({ ok: true });\n');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A request as the loopback Secrets Manager received it. */
interface SignedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The `authorization` the SDK's signer gives `request` with the environment credentials of the bundle's run. */
const sdkSignature = async ({ method, path, headers, body }: SignedRequest): Promise<string | undefined> => {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: 'ASIAFROMTHEENVIRONMENT',
      secretAccessKey: 'secret-from-the-environment',
      sessionToken: 'session-token-from-the-environment',
    },
    region: 'us-east-1',
    service: 'secretsmanager',
    sha256: Sha256,
  });
  const date = headers['x-amz-date']?.replace(
    /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
    '$1-$2-$3T$4:$5:$6Z',
  );
  const request = { method, protocol: 'http:', hostname: '127.0.0.1', path, query: {}, headers, body };
  const signed = await signer.sign(request, { signingDate: new Date(date ?? Number.NaN) });
  return signed.headers.authorization;
};

const synthesise = (build: (stack: Stack) => void): Template => {
  const stack = new Stack(testApp(), 'function-test');
  build(stack);
  return Template.fromStack(stack);
};

describe('CallControlFunction', () => {
  let template: Template;
  beforeAll(() => {
    template = synthesise((stack) => {
      new CallControlFunction(stack, 'fn', {
        entry,
        bundling: 'source',
        serviceName: 'call-control-test',
        logRetention: RetentionDays.ONE_WEEK,
        environment: {
          CALLER_SETTING: 'kept',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
          NODE_OPTIONS: '--max-old-space-size=256',
        },
      });
    });
  });

  it('runs on Node.js 24 on ARM64 with X-Ray active tracing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
  });

  it("merges the caller's environment over the Powertools defaults instead of replacing them", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          CALLER_SETTING: 'kept',
          POWERTOOLS_SERVICE_NAME: 'call-control-test',
          POWERTOOLS_METRICS_NAMESPACE: 'SignalWireCallControl',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
          // The Powertools Tracer is not bundled unless asked for.
          POWERTOOLS_TRACE_DISABLED: 'true',
          MALLOC_ARENA_MAX: '2',
          // The caller's NODE_OPTIONS alone: the bundle maps its own stack traces (no --enable-source-maps).
          NODE_OPTIONS: '--max-old-space-size=256',
        },
      },
    });
  });

  it('logs to its own log group with the given retention, kept when the stack is deleted', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    const [logGroupId, logGroup] = Object.entries(logGroups)[0] ?? [];
    expect(Object.keys(logGroups)).toHaveLength(1);
    expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
  });

  it('has a role that may write only to that log group, without AWS managed policies', () => {
    const [logGroupId] = Object.keys(template.findResources('AWS::Logs::LogGroup'));
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
      ManagedPolicyArns: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
          },
        ]),
      },
    });
  });

  it('turns X-Ray off, and with it the Powertools tracer, when tracing is false', () => {
    const untraced = synthesise((stack) => {
      new CallControlFunction(stack, 'fn', {
        entry,
        bundling: 'source',
        serviceName: 'call-control-test',
        tracing: false,
      });
    });

    untraced.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: Match.absent(),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_TRACE_DISABLED: 'true' }) },
    });
    const statements = Object.values(untraced.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    expect(JSON.stringify(statements)).not.toContain('xray:');
  });

  it('does not add NODE_OPTIONS twice when the caller already enables source maps', () => {
    const withSourceMaps = synthesise((stack) => {
      new CallControlFunction(stack, 'fn', {
        entry,
        bundling: 'source',
        serviceName: 'call-control-test',
        environment: { NODE_OPTIONS: '--enable-source-maps' },
      });
    });

    withSourceMaps.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
  });

  // docs/deploy.md: the region is always the function's own, never a setting of the construct's environment.
  it.each(['AWS_REGION', 'AWS_DEFAULT_REGION'])(
    'refuses %s in the caller’s environment, naming it',
    (name) => {
      expect(() =>
        synthesise((stack) => {
          new CallControlFunction(stack, 'fn', {
            entry,
            bundling: 'source',
            serviceName: 'call-control-test',
            environment: { [name]: 'eu-west-1' },
          });
        }),
      ).toThrow(`${name} environment variable is reserved by the lambda runtime`);
    },
  );
});

describe('CallControlFunction bundling (the one test that runs esbuild)', () => {
  it('builds a minified ESM bundle with the AWS SDK inside and working, a source map, and a working require; the SDK signs with the environment credentials and carries no other credential provider', async () => {
    // Prepare: a handler that imports an AWS SDK client and a CommonJS module that requires a Node builtin.
    writeFileSync(
      join(scratch, 'legacy.cjs'),
      "const { createHash } = require('node:crypto');\nmodule.exports = (text) => createHash('sha256').update(text).digest('hex');\n",
    );
    const bundledEntry = join(scratch, 'bundled.ts');
    writeFileSync(
      bundledEntry,
      [
        "import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
        "import digest from './legacy.cjs';",
        "import { createServer } from 'node:http';",
        // A loopback Secrets Manager that records how the request was signed and answers it.
        'const signedWith = () => new Promise((resolve) => {',
        '  const server = createServer((request, response) => {',
        '    let body = "";',
        "    request.on('data', (chunk) => { body += chunk; });",
        "    request.on('end', () => {",
        "      response.setHeader('content-type', 'application/x-amz-json-1.1');",
        "      response.end(JSON.stringify({ Name: 'x', SecretString: 'read through the bundle' }));",
        '      server.close();',
        "      resolve({ authorization: request.headers.authorization, token: request.headers['x-amz-security-token'],",
        '        request: { method: request.method, path: request.url, headers: request.headers, body } });',
        '    });',
        '  });',
        "  server.listen(0, '127.0.0.1', async () => {",
        // No credentials in the client's configuration: the SDK asks its default provider.
        "    const client = new SecretsManagerClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:' + server.address().port, maxAttempts: 1 });",
        "    const answer = await client.send(new GetSecretValueCommand({ SecretId: 'x' }));",
        "    if (answer.SecretString !== 'read through the bundle') resolve({ error: answer });",
        '  });',
        '});',
        // A real request through the SDK's whole middleware stack (user agent included) to a closed port:
        // it must fail on the connection, not on a module left out of the bundle.
        "const client = new SecretsManagerClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1,",
        "  credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });",
        'export const handler = async () => ({',
        "  sent: await client.send(new GetSecretValueCommand({ SecretId: 'x' })).then(() => 'answered', (e) => e.code ?? e.name),",
        "  digest: digest('call'),",
        '  signed: await signedWith(),',
        // Replaced at build time: what the bundle says here, whatever the environment says at run time.
        '  powertoolsTracer: process.env.CALL_CONTROL_POWERTOOLS_TRACER,',
        '});',
        '',
      ].join('\n'),
    );
    const outdir = join(scratch, 'cdk.out');
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: cdkJsonContext() });
    const stack = new Stack(app, 'bundling-test');
    new CallControlFunction(stack, 'fn', {
      entry: bundledEntry,
      bundling: 'source',
      serviceName: 'call-control-test',
    });
    new CallControlFunction(stack, 'traced', {
      entry: bundledEntry,
      bundling: 'source',
      serviceName: 'call-control-test',
      powertoolsTracer: true,
    });

    // Act
    app.synth();

    // Assess
    const bundles = readdirSync(outdir)
      .map((name) => join(outdir, name, 'index.mjs'))
      .filter((path) => existsSync(path));
    expect(bundles).toHaveLength(2);
    const run = (bundlePath: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const { handler } = await import(${JSON.stringify(pathToFileURL(bundlePath).href)}); process.stdout.write(JSON.stringify(await handler()));`,
          ],
          {
            encoding: 'utf8',
            env: {
              ...process.env,
              CALL_CONTROL_POWERTOOLS_TRACER: 'flipped at run time',
              // What Lambda sets for the execution role.
              AWS_ACCESS_KEY_ID: 'ASIAFROMTHEENVIRONMENT',
              AWS_SECRET_ACCESS_KEY: 'secret-from-the-environment',
              AWS_SESSION_TOKEN: 'session-token-from-the-environment',
            },
          },
        ),
      ) as Record<string, string>;
    const outputs = bundles.map(run);
    for (const bundlePath of bundles) {
      const bundle = readFileSync(bundlePath, 'utf8');
      expect(bundle.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(bundle).toContain('//# sourceMappingURL=index.mjs.map');
      expect(existsSync(`${bundlePath}.map`)).toBe(true);
      // Only the environment provider (infra/runtime.ts BUNDLE_ALIAS): none of the default chain's others.
      expect(bundle).toContain('AWS_SESSION_TOKEN');
      for (const otherProvider of [
        'sso_start_url', // SSO
        'credential_process', // shared ini files and credential_process
        'AWS_WEB_IDENTITY_TOKEN_FILE', // web identity
        'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', // container metadata
      ]) {
        expect(bundle).not.toContain(otherProvider);
      }
    }
    for (const output of outputs) {
      expect(output).toMatchObject({
        sent: 'ECONNREFUSED',
        digest: '7edb360f06acaef2cc80dba16cf563f199d347db4443da04da0c8173e3f9e4ed',
        signed: {
          authorization: expect.stringMatching(
            /^AWS4-HMAC-SHA256 Credential=ASIAFROMTHEENVIRONMENT\/\d{8}\/us-east-1\/secretsmanager\/aws4_request, SignedHeaders=[^,]*x-amz-security-token[^,]*, Signature=[0-9a-f]{64}$/,
          ),
          token: 'session-token-from-the-environment',
        },
      });
    }
    expect(outputs.map((output) => output.powertoolsTracer).sort()).toEqual(['false', 'true']);
    // The signature is the one the SDK's own signer and hash (not the bundle's stand-in, aws-sha256.ts) compute.
    for (const output of outputs) {
      const { signed } = output as unknown as { signed: { authorization: string; request: SignedRequest } };
      expect(signed.authorization).toBe(await sdkSignature(signed.request));
    }
  });
});

describe('CallControlFunction code: prebuilt bundles and bundling from source', () => {
  it('bundles a package function from source into the bytes of its prebuilt bundle (same asset hash)', () => {
    // Prepare: bundling on, as in `cdk synth`. Needs `npm run build` (npm test runs it first).
    const outdir = join(scratch, 'cdk.out-same-bytes');
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: cdkJsonContext() });
    const stack = new Stack(app, 'same-bytes');
    for (const powertoolsTracer of [false, true]) {
      const props = { entry: 'status-callback', serviceName: 'call-control-test', powertoolsTracer };
      new CallControlFunction(stack, `source-${powertoolsTracer}`, { ...props, bundling: 'source' });
      new CallControlFunction(stack, `prebuilt-${powertoolsTracer}`, { ...props, bundling: 'prebuilt' });
    }

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const keyOf = (idPrefix: string): string => {
      const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
        id.startsWith(idPrefix),
      );
      return found?.[1].Properties.Code.S3Key;
    };
    expect(keyOf('sourcefalse')).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(keyOf('sourcefalse')).toBe(keyOf('prebuiltfalse'));
    expect(keyOf('sourcetrue')).toBe(keyOf('prebuilttrue'));
    expect(keyOf('prebuilttrue')).not.toBe(keyOf('prebuiltfalse'));
  });

  it.each([...TRACER_FREE_FUNCTIONS])(
    'ships %s once: built with the Tracer switched on it is byte for byte the default bundle',
    async (name) => {
      // Prepare: the two builds of the handler, in memory, laid out at the same place.
      const { build } = await import('esbuild');
      const bytesWith = async (powertoolsTracer: boolean): Promise<string[]> => {
        const result = await build({
          ...functionBundleOptions(powertoolsTracer),
          entryPoints: [join(import.meta.dirname, '..', '..', 'functions', `${name}.ts`)],
          outfile: join(prebuiltBundleDirectory(name, false), BUNDLE_FILE),
          absWorkingDir: join(import.meta.dirname, '..', '..'),
          write: false,
          logLevel: 'silent',
          ...(name === 'console-assets' ? { define: { CONSOLE_FILES: '"{}"' } } : {}),
        });
        return result.outputFiles.map((file) => Buffer.from(file.contents).toString('base64'));
      };

      // Act
      const [plain, traced] = await Promise.all([bytesWith(false), bytesWith(true)]);

      // Assess: the Tracer variant of the construct deploys the default bundle for it.
      expect(traced).toEqual(plain);
      expect(prebuiltBundleDirectory(name, true)).toBe(prebuiltBundleDirectory(name, false));
    },
  );

  it('loads the Node built-ins of every function as require does, never through an ES module facade', async () => {
    // Prepare: the prebuilt bundles of `npm run build` (npm test runs it first). A facade reads every export of
    // the built-in: for node:http that loads undici, tens of ms of each cold start for nothing. Nor through the
    // usual `createRequire` banner, whose `import` of node:module built that module's facade. The imports are
    // esbuild's own reading of each bundle (its metafile, everything external): every form counts, minified
    // side-effect imports (`import"x";`) and `import("x")` included, and text that only quotes one does not.
    const importsOf = async (file: string): Promise<Array<{ path: string; kind: string }>> => {
      const { metafile } = await build({
        entryPoints: [file],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'esm',
        external: ['*'],
        outdir: join(scratch, 'imports'),
        logLevel: 'error',
      });
      return Object.values(metafile.inputs).flatMap((input) =>
        input.imports.map(({ path, kind }) => ({ path, kind })),
      );
    };
    const summary = async (file: string) => {
      const imports = await importsOf(file);
      return {
        // A static import of a built-in is loaded, facade and all, before the function's first line runs.
        imported: imports
          .filter(({ path, kind }) => kind === 'import-statement' && isBuiltin(path))
          .map(({ path }) => path),
        // Lambda has no node_modules: a package a bundle imports, statically or not, fails where it is reached.
        packages: imports.filter(({ path }) => !isBuiltin(path)).map(({ path }) => path),
      };
    };

    // Act
    const found = await Promise.all(
      FUNCTION_NAMES.flatMap((name) =>
        [false, true].map(async (powertoolsTracer) => {
          const file = join(prebuiltBundleDirectory(name, powertoolsTracer), BUNDLE_FILE);
          return {
            name,
            powertoolsTracer,
            startsWithBanner: readFileSync(file, 'utf8').startsWith(ESM_REQUIRE_BANNER),
            ...(await summary(file)),
          };
        }),
      ),
    );
    const sample = join(scratch, 'imports-sample.mjs');
    writeFileSync(
      sample,
      `${USUAL_ESM_REQUIRE_BANNER}import{request as r}from"node:http";import*as z from"zlib";import"left-pad";` +
        'const e=()=>import("is-odd");const m=`import "@aws-sdk/quoted"`;export{r,z,e,m};',
    );

    // Assess: a built-in missing from BUNDLE_BUILTINS (infra/runtime.ts) shows up here by name.
    for (const bundle of found) {
      expect(bundle).toMatchObject({ startsWithBanner: true, imported: [], packages: [] });
    }
    expect(await summary(sample)).toEqual({
      imported: ['module', 'node:http', 'zlib'],
      packages: ['left-pad', 'is-odd'],
    });
  });

  it('says how to get a bundle when there is no prebuilt one, and when there is no source to bundle', () => {
    const stack = new Stack(testApp(), 'missing');

    expect(
      () => new CallControlFunction(stack, 'prebuilt', { entry: 'no-such-function', serviceName: 'test' }),
    ).toThrow(/no prebuilt bundle of the no-such-function function .*run `npm run build`/);
    expect(
      () =>
        new CallControlFunction(stack, 'source', {
          entry: 'no-such-function',
          bundling: 'source',
          serviceName: 'test',
        }),
    ).toThrow(/bundling 'source' needs the handler's TypeScript source/);
  });
});
