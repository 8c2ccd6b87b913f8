import * as cdk from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CallControl } from 'signalwire-call-control';

export class TsAppStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const callControl = new CallControl(this, 'CallControl', {
      secretName: 'signalwire/call-control',
      callUpdateEvents: { allowedSources: ['com.example.crm'] },
      // The operator console in the browser, with a new Cognito user pool.
      console: {},
    });

    // Operators call the API with IAM credentials.
    const operators = new iam.Role(this, 'Operators', { assumedBy: new iam.AccountRootPrincipal() });
    callControl.grantInvoke(operators);

    // A producer may publish "Call Update Requested" events under its own source only.
    const crm = new iam.Role(this, 'CrmPublisher', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    callControl.grantPublishCallUpdateRequests(crm, { source: 'com.example.crm' });

    new cdk.CfnOutput(this, 'ApiUrl', { value: callControl.apiUrl });
  }
}
