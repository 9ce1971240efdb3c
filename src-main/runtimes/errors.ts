/** Why a call to a runtime failed, in words an operator can act on. Never carries the API key. */
export type RuntimeFault = 'timeout' | 'refused' | 'http_status' | 'malformed' | 'too_large' | 'redirect' | 'wrong_kind' | 'circuit_open' | 'bad_url';

export class RuntimeError extends Error {
  constructor(
    readonly fault: RuntimeFault,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}
