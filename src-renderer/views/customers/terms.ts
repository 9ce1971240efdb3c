/** How a customer's terms read on screen: a null limit is the org default, said in words. */
import { ORG_DEFAULT_REQUESTS_PER_MIN } from '../../../src-shared/contract/customers';
import type { CustomerRecord } from '../../../src-shared/contract/customers';
import { fmt } from '../../components/format';

export const limitText = {
  requestsPerMin: (v: number | null) => (v === null ? `${fmt(ORG_DEFAULT_REQUESTS_PER_MIN, '', 0)}/min (org default)` : `${fmt(v, '', 0)}/min`),
  tokensPerMin: (v: number | null) => (v === null ? 'no cap' : `${fmt(v, '', 0)}/min`),
  monthlyTokenQuota: (v: number | null) => (v === null ? 'no quota' : `${fmt(v, '', 0)} a month`),
  maxConcurrency: (v: number | null) => (v === null ? 'no cap' : fmt(v, '', 0)),
};

export function committedText(c: CustomerRecord['committed']): string {
  if (c.requestsPerMin === 0 && c.tokensPerMin === 0) return 'none';
  return `${fmt(c.requestsPerMin, '', 0)} req/min · ${fmt(c.tokensPerMin, '', 0)} tok/min`;
}
