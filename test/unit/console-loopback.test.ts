import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../console/src/loopback.ts';

const onLoopback = (href: string) => isLoopback(new URL(href));

describe('the console’s isLoopback(): an API an offline browser can still reach', () => {
  it('is this machine for localhost, any 127.0.0.0/8 address and [::1], however the URL writes them', () => {
    const hosts = [
      'http://localhost:3000/console-api',
      'http://LOCALHOST./console-api',
      'http://127.0.0.1:8080/',
      'http://127.255.3.4/',
      'http://127.1/',
      'http://0x7f000001/',
      'http://[::1]:3000/',
      'http://[0:0:0:0:0:0:0:1]/',
    ];
    expect(hosts.filter((href) => !onLoopback(href))).toEqual([]);
  });

  it('is another machine for any other name or address, one that only starts or ends like a loopback one included', () => {
    const hosts = [
      'https://console.example.com/console-api',
      'https://localhost.example.com/',
      'https://127.0.0.1.example.com/',
      'http://128.0.0.1/',
      'http://10.0.0.1/',
      'http://0.0.0.0/',
      'http://[::2]/',
      'https://abc123.execute-api.eu-west-1.amazonaws.com/console-api',
    ];
    expect(hosts.filter(onLoopback)).toEqual([]);
  });
});
