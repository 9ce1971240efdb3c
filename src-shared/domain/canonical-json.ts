import canonicalizeImpl from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme). Audit events are hashed over this form so that anyone
 * can recompute a hash with any JCS implementation, without this app.
 */
export function canonicalJson(value: unknown): string {
  const text = (canonicalizeImpl as (v: unknown) => string | undefined)(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised as JSON');
  return text;
}
