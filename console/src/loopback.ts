/**
 * Whether a URL names this machine: `localhost`, an address in 127.0.0.0/8 or `[::1]` (the URL parser has already
 * written `127.1`, `0x7f000001` and `[0:0:0:0:0:0:0:1]` in their usual forms). Such a host answers a browser that has
 * no network at all, so the browser being offline says nothing about reaching it.
 */
export const isLoopback = (url: URL): boolean => {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
};
