import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunctionResource } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENV } from '../functions/commons/platform/settings.ts';

/**
 * The Powertools Idempotency table (key `id`, TTL attribute `expiration`): call-update requests and accepted
 * status callbacks are remembered here, under key prefixes of their own.
 */
export const createIdempotencyTable = (scope: Construct, id: string, removalPolicy: RemovalPolicy): Table =>
  new Table(scope, id, {
    partitionKey: { name: 'id', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiration',
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
  });

/** Lets `handler` use the table through Powertools Idempotency, and tells it the table's name. */
export const useIdempotencyTable = (handler: LambdaFunctionResource, table: Table): void => {
  // Exactly what Powertools Idempotency calls; grantReadWriteData would add Scan, Query and batch writes.
  handler.addToRolePolicy(
    new PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [table.tableArn],
    }),
  );
  handler.addEnvironment(ENV.idempotencyTableName, table.tableName);
};
