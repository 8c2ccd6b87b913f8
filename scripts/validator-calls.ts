/**
 * Two more rewrites of Ajv's standalone code for scripts/compact-validators.ts, on its syntax tree:
 *
 * - A validator that only other validators call (a shared sub-schema's) takes its place in the data as
 *   arguments (`validate53(data0.queued, instancePath + "/queued", data0, "queued")`) instead of an object that
 *   names each one at every call. The exported validators keep Ajv's signature (`validate(data, dataCxt)`).
 *   `rootData` and `dynamicAnchors`, which only `$data` references and `$dynamicRef` read, are dropped: the
 *   rewrite refuses code that reads them.
 * - A string that the code repeats (a pattern, a message, a schema path) is written once, as a constant.
 */
import ts from 'typescript';

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const applyEdits = (code: string, edits: readonly Edit[]): string =>
  [...edits]
    .sort((a, b) => b.start - a.start)
    .reduce((text, edit) => text.slice(0, edit.start) + edit.text + text.slice(edit.end), code);

const parse = (code: string): ts.SourceFile =>
  ts.createSourceFile('validators.js', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);

const visit = (node: ts.Node, each: (node: ts.Node) => void): void => {
  each(node);
  ts.forEachChild(node, (child) => visit(child, each));
};

/** Ajv's data context, as each validator destructures it. */
const CONTEXT_PARAMETER =
  '{instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}';
const PLACE = ['instancePath', 'parentData', 'parentDataProperty'] as const;

/** The validators the module exports (`export const validateX = validate52;`). */
const exportedValidators = (file: ts.SourceFile): Set<string> => {
  const names = new Set<string>();
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (declaration.initializer && ts.isIdentifier(declaration.initializer)) {
        names.add(declaration.initializer.text);
      }
    }
  }
  return names;
};

/** The place arguments of a call with Ajv's data context, or undefined if it is not in that form. */
const placeOf = (context: ts.Expression, file: ts.SourceFile): string[] | undefined => {
  if (!ts.isObjectLiteralExpression(context)) return undefined;
  const [instancePath, parentData, parentDataProperty, rootData, dynamicAnchors, ...rest] =
    context.properties;
  const isShorthand = (property: ts.ObjectLiteralElementLike | undefined, name: string) =>
    property !== undefined && ts.isShorthandPropertyAssignment(property) && property.name.text === name;
  if (
    rest.length > 0 ||
    !isShorthand(rootData, 'rootData') ||
    !isShorthand(dynamicAnchors, 'dynamicAnchors')
  ) {
    return undefined;
  }
  const values = [instancePath, parentData, parentDataProperty].map((property, index) =>
    property &&
    ts.isPropertyAssignment(property) &&
    ts.isIdentifier(property.name) &&
    property.name.text === PLACE[index]
      ? property.initializer.getText(file)
      : undefined,
  );
  return values.every((value) => value !== undefined) ? values : undefined;
};

/**
 * Validators called by other validators take their place in the data as arguments; `rootData` and
 * `dynamicAnchors` go.
 * @throws Error when a validator or a call is not in Ajv's form, or the code reads `rootData` or `dynamicAnchors`
 */
export const placeArguments = (code: string): string => {
  const file = parse(code);
  const exported = exportedValidators(file);
  const edits: Edit[] = [];
  visit(file, (node) => {
    if (ts.isFunctionDeclaration(node) && node.name && /^validate\d+$/.test(node.name.text)) {
      const context = node.parameters[1];
      if (node.parameters.length !== 2 || !context || context.getText(file) !== CONTEXT_PARAMETER) {
        throw new Error(`${node.name.text} does not take Ajv's data context`);
      }
      const text = exported.has(node.name.text) ? `{${PLACE.join(', ')}}={}` : PLACE.join(', ');
      edits.push({ start: context.getStart(file), end: context.end, text });
    }
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      /^validate\d+$/.test(node.expression.text)
    ) {
      const context = node.arguments[1];
      const place = context && node.arguments.length === 2 ? placeOf(context, file) : undefined;
      if (!context || !place) throw new Error(`a call of ${node.expression.text} not in Ajv's form`);
      const text = exported.has(node.expression.text)
        ? `{${PLACE.map((name, index) => `${name}:${place[index]}`).join(',')}}`
        : place.join(', ');
      edits.push({ start: context.getStart(file), end: context.end, text });
    }
  });
  const placed = applyEdits(code, edits);
  // `instancePath=""` defaults the exported validators' own; the others are always given one.
  const exportedDefault = placed.replaceAll(
    `{${PLACE.join(', ')}}={}`,
    `{instancePath="", parentData, parentDataProperty}={}`,
  );
  if (/\b(rootData|dynamicAnchors)\b/.test(exportedDefault)) {
    throw new Error('the code reads rootData or dynamicAnchors ($data or $dynamicRef): not compacted');
  }
  return exportedDefault;
};

/**
 * Whether a string written `uses` times is worth a constant: a minifier names it in one or two characters, and
 * its declaration (`,x="..."`) costs about its own length again.
 */
const worthSharing = (literal: string, uses: number): boolean =>
  (literal.length - 2) * uses > literal.length + 3;

/**
 * Whether a string literal may become a constant: not a property name, not an import's module, and not what a
 * `typeof` is compared with (which engines compile to a type check only when it is a literal).
 */
const isShareable = (node: ts.StringLiteral): boolean => {
  const parent = node.parent;
  if ((ts.isPropertyAssignment(parent) && parent.name === node) || ts.isImportDeclaration(parent))
    return false;
  if (ts.isBinaryExpression(parent)) {
    const other = parent.left === node ? parent.right : parent.left;
    if (ts.isTypeOfExpression(other)) return false;
  }
  return true;
};

/**
 * Each string the code writes more than once becomes one constant (`const string0 = "...";`) at the top of the
 * module, after its imports. A string is a value: the code reads the same value from the constant.
 */
export const shareStrings = (code: string): string => {
  const file = parse(code);
  const byText = new Map<string, ts.StringLiteral[]>();
  visit(file, (node) => {
    if (ts.isStringLiteral(node) && isShareable(node)) {
      const text = node.getText(file);
      byText.set(text, [...(byText.get(text) ?? []), node]);
    }
  });
  const shared = [...byText].filter(([text, nodes]) => worthSharing(text, nodes.length));
  const edits = shared.flatMap(([, nodes], index) =>
    nodes.map((node) => ({ start: node.getStart(file), end: node.end, text: `string${index}` })),
  );
  if (/\bstring\d+\b/.test(code)) throw new Error('the code already has a name string<N>');
  const declarations = shared.map(([text], index) => `const string${index} = ${text};`).join('');
  const lastImport = file.statements.filter(ts.isImportDeclaration).at(-1);
  const at = lastImport ? lastImport.end : 0;
  return applyEdits(code, [...edits, { start: at, end: at, text: declarations }]);
};
