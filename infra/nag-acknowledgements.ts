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
 * service).
 *
 * A principal in another stack (a second stack of the app, a nested stack, or the construct in a nested stack)
 * sees the API's ID through a cross-stack reference, which CDK builds only while it prepares the app: the
 * finding names that reference (an import, a stack output, a parameter). So the acknowledgement is written
 * twice: now, for the principal's own stack (and for tests that run cdk-nag without synthesising), and again
 * once the references exist, from a validation hook, which CDK runs after preparing and before the rules.
 */
export const acknowledgeGrantedWildcards = (
  principal: unknown,
  resourceArns: readonly string[],
  reason: string,
): void => {
  if (!Construct.isConstruct(principal)) return;
  const acknowledged = new Set<string>();
  const acknowledge = (): void => {
    const stack = Stack.of(principal);
    const ids = resourceArns
      .map((arn) => `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(arn))}]`)
      .filter((id) => id.includes('*') && !acknowledged.has(id));
    if (ids.length === 0) return;
    for (const id of ids) acknowledged.add(id);
    const policies = principal.node.children.filter((child: IConstruct) => child instanceof Policy);
    for (const policy of policies) Validations.of(policy).acknowledge(...ids.map((id) => ({ id, reason })));
  };
  acknowledge();
  principal.node.addValidation({
    validate: () => {
      acknowledge();
      return [];
    },
  });
};
