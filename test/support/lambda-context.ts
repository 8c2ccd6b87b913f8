import type { Context } from 'aws-lambda';

/** The Lambda context of one invocation of the cleanup function, as the audit-line tests give their loggers. */
export const cleanupContext = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'call-control-cleanup',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:call-control-cleanup',
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/call-control-cleanup',
  logStreamName: '2026/12/06/[$LATEST]abc',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;
