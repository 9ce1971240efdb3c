import { hash } from 'node:crypto';

/**
 * SHA-256 of a string's UTF-8, as hex. node:crypto's one-shot `hash` (no Hash object per call):
 * the audit chain calls this once per event, and a bundle or a chain check runs it over every
 * event of the log.
 */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}
