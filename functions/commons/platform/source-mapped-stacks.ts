import type { SourceMap, SourceMapPayload, SourceMapping } from 'node:module';

/**
 * Stack traces of a function bundle mapped to the TypeScript sources, the map read only when a stack is first
 * formatted. `--enable-source-maps` maps the same frames the same way, but reads and parses the whole map, and
 * measures every line of the bundle, while the bundle loads: about a tenth of a cold start
 * (docs/benchmarks.md), paid by every cold start whether or not a stack trace is ever written.
 */

/** How Node formats a stack line: "\n    at ". */
const AT = '\n    at ';

/** `${bundleUrl}.map`, with its sources made absolute as Node makes them (relative to the map's URL). */
const readMap = (bundleUrl: string): SourceMap | undefined => {
  try {
    const mapUrl = `${bundleUrl}.map`;
    // Built-ins taken when needed: nothing of this module is loaded, or run, before a stack trace is written.
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const payload = JSON.parse(readFileSync(new URL(mapUrl), 'utf8')) as SourceMapPayload;
    // esbuild writes them relative to the map (no sourceRoot, no absolute paths: infra/runtime.ts).
    const sources = payload.sources.map((source) => new URL(source, mapUrl).href);
    const { SourceMap: SourceMapOf } = process.getBuiltinModule('node:module');
    return new SourceMapOf({ ...payload, sources });
  } catch {
    return undefined;
  }
};

/** A mapping, or nothing where the map has none; `name` is there when the map names the range (@types/node omits it). */
type Entry = Partial<SourceMapping> & { name?: string };

const entryAt = (map: SourceMap, line: number | null, column: number | null): Entry =>
  line === null || column === null ? {} : map.findEntry(line - 1, column - 1);

/** The original name of the frame's function: its enclosing entry's, else the one its caller's call names. */
const originalName = (map: SourceMap, site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined) => {
  const enclosing = entryAt(map, site.getEnclosingLineNumber(), site.getEnclosingColumnNumber());
  if (enclosing.name) return enclosing.name;
  if (caller && caller.getFileName() === site.getFileName()) {
    return entryAt(map, caller.getLineNumber(), caller.getColumnNumber()).name;
  }
  return undefined;
};

/** One frame of the bundle, written as Node 24's `--enable-source-maps` writes it; unmapped, as V8 does. */
const mappedFrame = (map: SourceMap, site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string => {
  const { originalSource, originalLine, originalColumn } = entryAt(
    map,
    site.getLineNumber(),
    site.getColumnNumber(),
  );
  if (originalSource === undefined || originalLine === undefined || originalColumn === undefined) {
    return `${site}`;
  }
  const source = originalSource.startsWith('file://')
    ? process.getBuiltinModule('node:url').fileURLToPath(originalSource)
    : originalSource;
  const prefix = site.isAsync() ? 'async ' : site.isConstructor() ? 'new ' : '';
  const typeName = site.getTypeName();
  const owner = typeName !== null && typeName !== 'global' ? `${typeName}.` : '';
  const name =
    originalName(map, site, caller) || (site.getFunctionName() ?? site.getMethodName()) || '<anonymous>';
  return `${prefix}${owner}${name} (${source}:${originalLine + 1}:${originalColumn + 1})`;
};

type PrepareStackTrace = (error: Error, sites: NodeJS.CallSite[]) => unknown;

/** How V8 formats a stack when nothing else does: its first line, then every frame. */
const v8Format: PrepareStackTrace = (error, sites) =>
  [Error.prototype.toString.call(error), ...sites.map(String)].join(AT);

/**
 * Formats every stack of this process with the frames of the bundle at `bundleUrl` mapped through
 * `${bundleUrl}.map`, read at the first stack that has such a frame. The first line and every other stack are
 * left to the formatter in place (Node's own, which writes its errors' codes). Does nothing when Node maps
 * stacks itself (`--enable-source-maps`).
 */
export const mapStacksLazily = (bundleUrl: string): void => {
  if (process.sourceMapsEnabled) return;
  const previous: PrepareStackTrace = Error.prepareStackTrace ?? v8Format;
  // Not read yet, or read and missing (null): the stack is then written as it would have been.
  let map: SourceMap | null | undefined;
  Error.prepareStackTrace = (error: Error, sites: NodeJS.CallSite[]): unknown => {
    if (!sites.some((site) => site.getFileName() === bundleUrl)) return previous(error, sites);
    if (map === undefined) map = readMap(bundleUrl) ?? null;
    if (map === null) return previous(error, sites);
    const bundleMap = map;
    const frames = sites.map((site, index) => {
      if (site.getFileName() !== bundleUrl) return `${site}`;
      // As Node's own mapping: a frame that cannot be mapped (a source no file path can name) stays as V8
      // wrote it; reading `error.stack` never throws because of the map.
      try {
        return mappedFrame(bundleMap, site, sites[index + 1]);
      } catch {
        return `${site}`;
      }
    });
    return [String(previous(error, [])), ...frames].join(AT);
  };
};
