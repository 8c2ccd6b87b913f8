/**
 * Every shape of malformed SignalWire secret the parser refuses, each holding the API token somewhere, with
 * the words its error must carry. Shared by the unit test of the parser and the integration test of the HTTP
 * function, so both check the same list for "never the token" (in the message, the HTTP body, the logs).
 */
export interface MalformedSecret {
  name: string;
  text: string;
  message: string;
}

export const malformedSecrets = (good: {
  projectId: string;
  apiToken: string;
  spaceUrl: string;
}): MalformedSecret[] => {
  const { projectId, apiToken, spaceUrl } = good;
  const other = '66666666-7777-4888-9999-aaaaaaaaaaaa';
  const one = (fields: Record<string, unknown>): string =>
    JSON.stringify({ projectId, apiToken, spaceUrl, ...fields });
  const many = (fields: Record<string, unknown>): string => JSON.stringify(fields);
  const project = (fields: Record<string, unknown> = {}) => ({ apiToken, spaceUrl, ...fields });
  return [
    { name: 'not JSON', text: `token=${apiToken}`, message: 'the SignalWire secret is not valid JSON' },
    { name: 'JSON null', text: 'null', message: 'the SignalWire secret must be a JSON object' },
    {
      name: 'a JSON array',
      text: JSON.stringify([apiToken]),
      message: 'the SignalWire secret must be a JSON object',
    },
    {
      name: 'no projectId',
      text: JSON.stringify({ apiToken, spaceUrl }),
      message: 'the SignalWire secret needs "projectId"',
    },
    { name: 'a projectId that is a number', text: one({ projectId: 7 }), message: 'needs "projectId"' },
    { name: 'a projectId that is not a UUID', text: one({ projectId: apiToken }), message: 'must be a UUID' },
    {
      name: 'an apiToken that is not a string',
      text: one({ apiToken: [apiToken] }),
      message: 'secret.apiToken is missing or not a string',
    },
    {
      name: 'an empty apiToken, the token under another name',
      text: one({ apiToken: '', token: apiToken }),
      message: 'secret.apiToken is missing',
    },
    { name: 'no spaceUrl', text: one({ spaceUrl: undefined }), message: 'secret.spaceUrl is missing' },
    {
      name: 'a spaceUrl that is a number',
      text: one({ spaceUrl: 443 }),
      message: 'secret.spaceUrl is missing',
    },
    {
      name: 'a spaceUrl that is not a URL',
      text: one({ spaceUrl: 'https://[' }),
      message: 'secret.spaceUrl is not a valid host or URL',
    },
    {
      name: 'a spaceUrl on another host',
      text: one({ spaceUrl: `https://attacker.example/${apiToken}` }),
      message: 'secret.spaceUrl must be a SignalWire space host',
    },
    {
      name: 'an apiToken pasted with a trailing newline',
      text: one({ apiToken: `${apiToken}\n` }),
      message: 'secret.apiToken has whitespace at its start or end',
    },
    {
      name: 'a signingKey with a leading space',
      text: one({ signingKey: ` ${apiToken}` }),
      message: 'secret.signingKey has whitespace at its start or end',
    },
    {
      name: 'a project whose apiToken ends in a space',
      text: many({ projects: { [other]: project({ apiToken: `${apiToken} ` }) } }),
      message: `secret.projects["${other}"].apiToken has whitespace at its start or end`,
    },
    {
      name: 'one project twice, spelled in two cases',
      text: many({
        projects: { [other]: project(), [other.toUpperCase()]: project({ apiToken: `${apiToken}2` }) },
      }),
      message: `secret.projects names project ${other} twice`,
    },
    {
      name: 'an empty signingKey',
      text: one({ signingKey: '' }),
      message: 'secret.signingKey must be a non-empty string',
    },
    {
      name: 'a signingKey that is a number',
      text: one({ signingKey: 42 }),
      message: 'secret.signingKey must be a non-empty string',
    },
    {
      name: 'a signingKey that is null',
      text: one({ signingKey: null }),
      message: 'secret.signingKey must be a non-empty string',
    },
    {
      name: 'a signingKey that is an object holding the token',
      text: one({ signingKey: { apiToken } }),
      message: 'secret.signingKey must be a non-empty string',
    },
    {
      name: 'projects that is not an object',
      text: many({ projects: [apiToken] }),
      message: 'secret.projects must be a non-empty object',
    },
    {
      name: 'no projects',
      text: many({ projects: {} }),
      message: 'secret.projects must be a non-empty object',
    },
    {
      name: 'a project that is not an object',
      text: many({ projects: { [projectId]: apiToken } }),
      message: `secret.projects["${projectId}"] must be an object`,
    },
    {
      name: 'a project that is null',
      text: many({ projects: { [projectId]: null }, token: apiToken }),
      message: `secret.projects["${projectId}"] must be an object`,
    },
    {
      name: 'a project keyed by something other than a UUID',
      text: many({ projects: { 'not-a-uuid': project() } }),
      message: 'the project ID must be a UUID',
    },
    {
      name: 'a project with an empty signingKey',
      text: many({ projects: { [projectId]: project({ signingKey: '' }) } }),
      message: `secret.projects["${projectId}"].signingKey must be a non-empty string`,
    },
    {
      name: 'a project with no spaceUrl',
      text: many({ projects: { [projectId]: project({ spaceUrl: undefined }) } }),
      message: `secret.projects["${projectId}"].spaceUrl is missing`,
    },
    {
      name: 'a defaultProjectId that is not a string',
      text: many({ defaultProjectId: 1, projects: { [projectId]: project() } }),
      message: 'secret.defaultProjectId must be a string',
    },
    {
      name: 'a defaultProjectId naming no project',
      text: many({ defaultProjectId: other, projects: { [projectId]: project() } }),
      message: 'secret.defaultProjectId must name one of secret.projects',
    },
    {
      name: 'several projects and no defaultProjectId',
      text: many({ projects: { [projectId]: project(), [other]: project() } }),
      message: 'secret.defaultProjectId must name one of secret.projects',
    },
  ];
};
