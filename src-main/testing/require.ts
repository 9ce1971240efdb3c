/**
 * A suite whose external part is missing (no Secret Service, no second PostgreSQL, no Chromium)
 * skips with a one-line reason on a developer machine; with MC_REQUIRE_ALL=1 (CI) it fails instead.
 */
export const REQUIRE_ALL = process.env.MC_REQUIRE_ALL === '1';

export function missing(part: string, reason: string): boolean {
  if (REQUIRE_ALL) throw new Error(`MC_REQUIRE_ALL=1 but ${part} is missing: ${reason}`);
  console.warn(`skipped: ${part} is missing (${reason})`);
  return true;
}
