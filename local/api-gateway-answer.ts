/** How the local API Gateway turns a Lambda result (payload format 2.0) into the HTTP answer, as API Gateway does. */

const isStructuredResult = (result: unknown): result is Record<string, unknown> =>
  typeof result === 'object' && result !== null && !Array.isArray(result) && 'statusCode' in result;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export const jsonAnswer = (status: number, payload: unknown): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(payload) ?? 'null'),
});

export const INTERNAL_SERVER_ERROR = (): HttpAnswer => jsonAnswer(500, { message: 'Internal Server Error' });

/** Maps a Lambda result to the HTTP answer, as API Gateway does for payload format 2.0. */
export const toHttpAnswer = (result: unknown): HttpAnswer => {
  if (!isStructuredResult(result)) return jsonAnswer(200, result ?? null);
  const { statusCode, headers, cookies, body, isBase64Encoded } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return INTERNAL_SERVER_ERROR();
  }
  const answerHeaders: Record<string, string | string[]> = {};
  if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) answerHeaders[name.toLowerCase()] = String(value);
  }
  if (Array.isArray(cookies) && cookies.length > 0) {
    const fromHeader = answerHeaders['set-cookie'];
    answerHeaders['set-cookie'] = [
      ...cookies.map(String),
      ...(fromHeader === undefined ? [] : [fromHeader].flat()),
    ];
  }
  const text = typeof body === 'string' ? body : '';
  return {
    status: statusCode,
    headers: answerHeaders,
    body: Buffer.from(text, isBase64Encoded === true ? 'base64' : 'utf8'),
  };
};
