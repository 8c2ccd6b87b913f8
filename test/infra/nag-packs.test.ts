/**
 * cdk-nag's compliance packs (HIPAA, NIST 800-53 R5, PCI DSS 3.2.1) on CallControl, as a regulated team runs
 * them: what each pack reports must be what docs/package.md's table says, and the docs' acknowledgement file
 * must leave every pack clean while a finding on the app's own resources still stands.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
import { PROJECT_ROOT, projectScratchDirectory, schemaFixtureDirectory, testApp } from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
const scratch = projectScratchDirectory();
afterAll(() => {
  rmSync(schemasDirectory, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const DOCS = readFileSync(join(PROJECT_ROOT, 'docs', 'package.md'), 'utf8');

/** The packs a regulated team runs, by their column in the docs' table and their rule-ID prefix. */
const PACKS = [
  { column: 'HIPAA', prefix: 'HIPAA.Security-', make: (app: App) => new HIPAASecurityChecks(app) },
  { column: 'NIST R5', prefix: 'NIST.800.53.R5-', make: (app: App) => new NIST80053R5Checks(app) },
  { column: 'PCI', prefix: 'PCI.DSS.321-', make: (app: App) => new PCIDSS321Checks(app) },
] as const;

/** The docs' table: for each pack column, the rules it is documented to report on CallControl. */
const documentedRules = (): Record<string, string[]> => {
  const table = /<!-- nag-packs:start[^>]*-->\n([\s\S]*?)<!-- nag-packs:end -->/.exec(DOCS)?.[1];
  if (!table) throw new Error('docs/package.md has no nag-packs table');
  const [header = '', , ...rows] = table.trim().split('\n');
  const columns = header.split('|').map((cell) => cell.trim());
  const cellsOf = (row: string) => row.split('|').map((cell) => cell.trim());
  return Object.fromEntries(
    PACKS.map(({ column }) => {
      const index = columns.indexOf(column);
      const rules = rows
        .map(cellsOf)
        .filter((cells) => cells[index] === '✓')
        .map((cells) => (cells[1] ?? '').replace(/`/g, ''));
      return [column, rules.sort()];
    }),
  );
};

/** The code block docs/package.md gives for `file`. */
const documentedFile = (file: string): string => {
  const escaped = file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const block = new RegExp(`^\`${escaped}\`[^\\n]*:\\n\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`$`, 'm').exec(
    DOCS,
  )?.[1];
  if (block === undefined) throw new Error(`docs/package.md has no \`${file}\` block`);
  return block;
};

/** Every feature on, so that every function, table, queue and alarm is there to be checked. */
const everything = (stack: Stack, props: Partial<CallControlProps> = {}): CallControl =>
  new CallControl(stack, 'CallControl', {
    secretName: 'signalwire/call-control',
    schemasDirectory,
    console: {},
    callUpdateEvents: { allowedSources: ['com.example.crm'] },
    cleanupSchedules: [{ name: 'stale-calls', policy: { maxAgeSeconds: { inProgress: 14_400 } } }],
    ...props,
  });

/** Rule IDs reported in `app` by `pack`, without its prefix, each once. */
const reported = (app: App, pack: (typeof PACKS)[number]): string[] =>
  [
    ...new Set(
      pack
        .make(app)
        .validateScope(app)
        .violations.map((violation) => violation.ruleName.replace(pack.prefix, '')),
    ),
  ].sort();

describe('cdk-nag compliance packs on CallControl', () => {
  it('report exactly the rules docs/package.md lists for each pack', () => {
    const app = testApp();
    everything(new Stack(app, 'telephony', { env: { account: '111122223333', region: 'eu-west-1' } }));
    const documented = documentedRules();

    for (const pack of PACKS) expect(reported(app, pack), pack.column).toEqual(documented[pack.column]);
  });

  it('all pass, AwsSolutions too, with the docs’ acknowledgements and an alarm topic; the app’s own findings stay', async () => {
    // The docs' file as an app has it, importing the construct from this checkout instead of the package.
    const file = join(scratch, 'compliance-acknowledgements.ts');
    writeFileSync(
      file,
      documentedFile('lib/compliance-acknowledgements.ts').replace(
        "'signalwire-call-control'",
        JSON.stringify(join(PROJECT_ROOT, 'infra', 'index.ts')),
      ),
    );
    const { acknowledgeComplianceFindings } = (await import(file)) as {
      acknowledgeComplianceFindings: (callControl: CallControl) => void;
    };
    const app = testApp();
    const stack = new Stack(app, 'regulated', { env: { account: '111122223333', region: 'eu-west-1' } });
    const alarmTopic = new Topic(stack, 'Alarms', {
      masterKey: new Key(stack, 'AlarmKey', { enableKeyRotation: true }),
      enforceSSL: true,
    });
    const callControl = everything(stack, { alarmTopic });
    acknowledgeComplianceFindings(callControl);

    for (const pack of PACKS) expect(reported(app, pack), pack.column).toEqual([]);
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);

    // Acknowledged on the construct, so not on the app: the operators' role's inline policy is still reported.
    callControl.grantInvoke(new Role(stack, 'Operators', { assumedBy: new AccountRootPrincipal() }));
    for (const pack of PACKS) expect(reported(app, pack), pack.column).toEqual(['IAMNoInlinePolicy']);
  });
});
