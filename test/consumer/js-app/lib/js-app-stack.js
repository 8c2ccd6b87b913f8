const { Stack, CfnOutput } = require('aws-cdk-lib/core');
const { CallControl } = require('signalwire-call-control');

class JsAppStack extends Stack {
  /**
   *
   * @param {Construct} scope
   * @param {string} id
   * @param {StackProps=} props
   */
  constructor(scope, id, props) {
    super(scope, id, props);

    const callControl = new CallControl(this, 'CallControl', {
      secretName: 'signalwire/call-control',
      // The Powertools Tracer variant of the prebuilt bundles.
      powertoolsTracer: true,
      // The operator console in the browser, with a new Cognito user pool.
      console: {},
    });

    new CfnOutput(this, 'ApiUrl', { value: callControl.apiUrl });
  }
}

module.exports = { JsAppStack }
