import { Stack, Validations } from 'aws-cdk-lib';
import { Policy } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';

/**
 * A resolved CloudFormation value as cdk-nag names it in a finding (its `flattenCfnReference`): `Fn::Join`
 * joined, `Ref` as `<LogicalId>`, `Fn::GetAtt` as `<LogicalId.Attribute>`, `${…}` as `<…>`. Acknowledgements
 * must name a finding exactly, and the package cannot depend on cdk-nag (an app may not use it).
 */
const flatten = (node: unknown): string => {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const fn = node as Record<string, unknown>;
    if (Array.isArray(fn['Fn::Join'])) {
      const [delimiter, items] = fn['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (fn['Fn::Sub'] !== undefined) return flatten(fn['Fn::Sub']);
    if (Array.isArray(fn['Fn::GetAtt'])) {
      const [resource, attribute] = fn['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (fn['Fn::ImportValue'] !== undefined) return flatten(fn['Fn::ImportValue']);
    if (fn.Ref !== undefined) return `<${flatten(fn.Ref)}>`;
  }
  return JSON.stringify(node);
};

/**
 * Acknowledges, on the IAM policies of the principal a grant went to, the AwsSolutions-IAM5 finding of each
 * wildcard resource the grant added, with `reason`. Only those exact resources: a wildcard of the app's own in
 * the same policy is still reported. Nothing happens for a principal that is not a construct (an account, a
 * service) or whose policies live in another stack (the reference then becomes an import the finding names
 * differently: acknowledge it in that stack).
 */
export const acknowledgeGrantedWildcards = (
  principal: unknown,
  resourceArns: readonly string[],
  reason: string,
): void => {
  if (!Construct.isConstruct(principal)) return;
  const stack = Stack.of(principal);
  const ids = resourceArns
    .map((arn) => flatten(stack.resolve(arn)))
    .filter((resource) => resource.includes('*'))
    .map((resource) => ({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason }));
  if (ids.length === 0) return;
  const policies = principal.node.children.filter((child: IConstruct) => child instanceof Policy);
  for (const policy of policies) Validations.of(policy).acknowledge(...ids);
};
