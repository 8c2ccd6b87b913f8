import type { LocalStack } from '#local/local-stack';

/** One answer of the operator API, its body both as text and parsed. */
export interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
}

/**
 * Requests to the operator HTTP API behind the local API Gateway, as a client sends them: a string body as the
 * Compatibility API's form, an object as JSON. `answers` keeps every answer of the file, for tests that check
 * what was ever answered (a secret in none of them).
 */
export const operatorApi = (stack: LocalStack) => {
  const answers: Answer[] = [];
  const request = async (
    method: string,
    path: string,
    body?: string | Record<string, unknown>,
  ): Promise<Answer> => {
    const init: RequestInit = { method };
    if (typeof body === 'string') {
      init.body = body;
      init.headers = { 'content-type': 'application/x-www-form-urlencoded' };
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const response = await fetch(`${stack.api.url}${path}`, init);
    const text = await response.text();
    const answer = {
      status: response.status,
      headers: response.headers,
      text,
      json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
    answers.push(answer);
    return answer;
  };
  return { request, answers };
};
