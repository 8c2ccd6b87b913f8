/**
 * The stack outputs a {@link CallControl} construct declares, and the marker the `call-control` CLI finds
 * them by. Output keys are CDK logical IDs (path and hash), different in every app, so the CLI reads the
 * Description instead: `call-control:<Name> [<construct path>] <what it is>`. This module imports nothing,
 * so the CLI bundle can share it without pulling in aws-cdk-lib.
 */
export const OUTPUT_MARKER_PREFIX = 'call-control:';

/** The outputs the CLI reads, by marker name. */
export const MARKED_OUTPUTS = ['ApiUrl', 'CleanupFunctionName'] as const;
export type MarkedOutput = (typeof MARKED_OUTPUTS)[number];

/** The Description of a marked output. */
export const markedDescription = (name: MarkedOutput, constructPath: string, what: string): string =>
  `${OUTPUT_MARKER_PREFIX}${name} [${constructPath}] ${what}`;

/** The marker of an output's Description, if it has one. */
export const parseMarkedDescription = (
  description: string | undefined,
): { name: MarkedOutput; constructPath: string } | undefined => {
  const match = /^call-control:(\w+) \[([^\]]+)\]/.exec(description ?? '');
  if (!match || !(MARKED_OUTPUTS as readonly string[]).includes(match[1]!)) return undefined;
  return { name: match[1] as MarkedOutput, constructPath: match[2]! };
};
