import type { ServerResponse } from 'node:http';
import type { AwsAccount } from './protocol.ts';

/** STS `GetCallerIdentity` (Query protocol, XML): the configured caller. */
export const getCallerIdentity = (
  account: AwsAccount,
  callerArn: string,
  res: ServerResponse,
  requestId: string,
): void => {
  res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${callerArn}</Arn><UserId>AIDALOCALDEVELOPER</UserId><Account>${account.accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  );
};
