import { createHash, randomBytes } from 'node:crypto';

/**
 * Signs in to the local stand-in the way the console does, over HTTP: the authorization request with a PKCE
 * challenge, the sign-in form's post, then the code exchange with the verifier. Returns the access token.
 */
export const signInOverHttp = async (origin: string, username: string, password: string): Promise<string> => {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = `${origin}/console/`;
  const form = new URLSearchParams({
    response_type: 'code',
    client_id: 'local-console',
    redirect_uri: redirectUri,
    state: randomBytes(12).toString('base64url'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    username,
    password,
  });
  const authorized = await fetch(`${origin}/local-auth/oauth2/authorize`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const location = authorized.headers.get('location');
  if (authorized.status !== 302 || !location) throw new Error(`sign-in refused (${authorized.status})`);
  const code = new URL(location).searchParams.get('code') ?? '';
  const token = await fetch(`${origin}/local-auth/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'local-console',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  if (!token.ok) throw new Error(`code exchange refused (${token.status}): ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
};
