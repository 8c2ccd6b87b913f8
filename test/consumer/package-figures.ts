/**
 * The tarball's figures as docs/package.md shows them, rendered from what `npm pack --json` reported for the
 * pack the consumer suite made, so the docs never carry a figure copied by hand.
 */
import { bundleVariantOf, FUNCTION_NAMES } from '../../infra/function-bundles.ts';

export const PACKAGE_FIGURES_START =
  '<!-- package:figures:start (written by the consumer suite: UPDATE_DOC_FIGURES=1 npm run test:consumer) -->';
export const PACKAGE_FIGURES_END = '<!-- package:figures:end -->';

export interface PackReport {
  version: string;
  files: ReadonlyArray<{ path: string; size: number }>;
  tarballBytes: number;
  unpackedBytes: number;
}

const KIB = 1024;
const MIB = 1024 * 1024;
const kib = (bytes: number): string => `${(bytes / KIB).toFixed(1)} KiB`;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

/** The figures block, markers included. */
export const renderPackageFigures = (report: PackReport): string => {
  const size = (path: string): number => report.files.find((file) => file.path === path)?.size ?? Number.NaN;
  const sum = (pattern: RegExp): { count: number; bytes: number } => {
    const matching = report.files.filter((file) => pattern.test(file.path));
    return { count: matching.length, bytes: matching.reduce((total, file) => total + file.size, 0) };
  };
  const bundle = (tracer: boolean, name: string): number =>
    size(`dist/functions/${bundleVariantOf(name, tracer)}/${name}/index.mjs`);
  const maps = sum(/\.map$/);
  const chunks = sum(/^dist\/cli\/chunks\//);
  const lines = [
    PACKAGE_FIGURES_START,
    `\`npm pack\` of ${report.version}: **${report.files.length} files, ${mib(report.tarballBytes)} packed, ` +
      `${mib(report.unpackedBytes)} unpacked**; the source maps (${maps.count} files, without the sources) are ` +
      `${mib(maps.bytes)} of that.`,
    '',
    '| function | bundle | with the Powertools Tracer |',
    '| --- | --- | --- |',
    ...FUNCTION_NAMES.map(
      (name) => `| \`${name}\` | ${kib(bundle(false, name))} | ${kib(bundle(true, name))} |`,
    ),
    '',
    `The library: \`dist/index.js\` ${kib(size('dist/index.js'))}, \`dist/index.cjs\` ` +
      `${kib(size('dist/index.cjs'))}. The CLI: a ${kib(size('dist/cli/call-control.mjs'))} entry and ` +
      `${chunks.count} chunks of ${mib(chunks.bytes)} in all, each loaded only by the command that needs it.`,
    PACKAGE_FIGURES_END,
  ];
  return lines.join('\n');
};
