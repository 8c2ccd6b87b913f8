import { describe, expect, it } from 'vitest';
import { callControlOutputs } from '../../cli/core/deployed-stack.ts';

/** Issue 17, finding 12: the deployed `ApiUrl` was not required to be https. */
const outputsWith = (apiUrl: string) => [
  { OutputKey: 'ApiUrl', OutputValue: apiUrl },
  { OutputKey: 'CleanupFunctionName', OutputValue: 'call-control-cleanup' },
];
const options = { stack: 'Telephony', construct: undefined };

describe('finding 12: the deployed ApiUrl is not required to be https', () => {
  it('takes an https API URL as it is', () => {
    const url = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';
    expect(callControlOutputs(options, outputsWith(url)).ApiUrl).toBe(url);
  });

  it.each([
    'http://abc123.execute-api.eu-west-1.amazonaws.com/',
    'http://10.0.0.5/',
    'ftp://abc123.example.com/',
    'not a url',
    'http://127.0.0.1.evil.example/',
  ])('refuses %s before anything is signed or sent, naming the output', (url) => {
    expect(() => callControlOutputs(options, outputsWith(url))).toThrow(
      /output ApiUrl is .*: the API must be reached over https/,
    );
  });

  it('allows plain http on loopback only, where nothing leaves the machine', () => {
    for (const url of ['http://127.0.0.1:4010/', 'http://localhost:4010/', 'http://[::1]:4010/']) {
      expect(callControlOutputs(options, outputsWith(url)).ApiUrl).toBe(url);
    }
  });
});
