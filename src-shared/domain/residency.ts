/**
 * A corridor's residency policy: where its sites may be. The database enforces the same rule
 * (trigger on mc.sites); this copy lets forms explain a refusal before anything is sent.
 */
export interface ResidencyPolicy {
  allowedCountries: readonly string[];
  blockedCountries: readonly string[];
  regulatedWorkloads: readonly string[];
  auditRequirement: string | null;
}

export type ResidencyVerdict = { ok: true } | { ok: false; reason: 'blocked' | 'not_allowed'; message: string };

export const COUNTRY_CODE = /^[A-Z]{2}$/;

export function checkSiteCountry(corridorName: string, policy: ResidencyPolicy, country: string): ResidencyVerdict {
  const c = country.toUpperCase();
  if (policy.blockedCountries.includes(c)) {
    return { ok: false, reason: 'blocked', message: `${corridorName}’s residency policy blocks sites in ${c}.` };
  }
  if (policy.allowedCountries.length > 0 && !policy.allowedCountries.includes(c)) {
    return {
      ok: false,
      reason: 'not_allowed',
      message: `${corridorName}’s residency policy allows sites only in ${policy.allowedCountries.join(', ')}; ${c} is not one of them.`,
    };
  }
  return { ok: true };
}
