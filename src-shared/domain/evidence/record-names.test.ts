import { describe, expect, it } from 'vitest';
import { recordName } from './record-names';

describe('recordName', () => {
  it('names a known records file in words and leaves any other path, even an Object key, as it is', () => {
    expect(recordName('records/customer-keys.jsonl')).toBe('Customer API keys (no secret, no hash)');
    expect(recordName('records/new-kind.jsonl')).toBe('records/new-kind.jsonl');
    // An opened bundle's manifest is untrusted: "constructor" is a path, not Object's constructor.
    expect(recordName('constructor')).toBe('constructor');
    expect(recordName('__proto__')).toBe('__proto__');
  });
});
