import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An SQS queue that only ever receives failed deliveries: encrypted, TLS-only, and keeping messages for the
 * maximum 14 days so that an operator has time to inspect and redrive them.
 *
 * @param purpose what ends up in the queue; it becomes the reason of the cdk-nag acknowledgment.
 */
export const createDeadLetterQueue = (scope: Construct, id: string, purpose: string): Queue => {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  // AwsSolutions-SQS3 asks every queue for a DLQ of its own; a dead-letter queue is the end of the line.
  Validations.of(queue.node.defaultChild ?? queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself a dead-letter queue (${purpose}); a DLQ for a DLQ would only move the same messages.`,
  });
  return queue;
};
