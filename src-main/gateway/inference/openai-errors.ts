/**
 * Errors in OpenAI's shape ({"error": {"message", "type", "param", "code"}}), which every OpenAI
 * client library already knows how to read. Messages say what went wrong and what to do; none
 * names a key, a runtime credential or SQL.
 */
export interface OpenAiError {
  status: number;
  type: 'invalid_request_error' | 'authentication_error' | 'rate_limit_error' | 'server_error' | 'conflict_error' | 'not_found_error';
  code: string;
  message: string;
  param?: string | null;
}

export const errorBody = (e: OpenAiError): { error: { message: string; type: string; param: string | null; code: string } } => ({
  error: { message: e.message, type: e.type, param: e.param ?? null, code: e.code },
});

/** The one answer for every key problem: nobody learns whether a key exists, or why it stopped. */
export const BAD_KEY: OpenAiError = {
  status: 401,
  type: 'authentication_error',
  code: 'invalid_api_key',
  message: 'Incorrect or missing API key. Send "Authorization: Bearer ume_live_…" with a current key from your UmamiEdge account.',
};
