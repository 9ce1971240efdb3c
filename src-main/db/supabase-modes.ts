import type { PgTarget } from './pg-config';

/**
 * How a profile reaches a Supabase project (README, "Supabase connection modes"):
 * - direct: db.<ref>.supabase.co:5432. IPv6 only unless the project has the IPv4 add-on.
 * - session pooler: <region>.pooler.supabase.com:5432, user names of the form <user>.<ref>.
 *   Works: one server session per client session, so LISTEN/NOTIFY and the app's logins work,
 *   provided every login (the app's own roles too) is written <role>.<ref>.
 * - transaction pooler: port 6543 on the pooler. Refused: sessions are shared between clients,
 *   so live updates (LISTEN) and the migration runner's advisory lock cannot work there.
 */
export type SupabaseMode = 'direct' | 'session-pooler' | 'transaction-pooler';

const POOLER_HOST = /\.pooler\.supabase\.com$/i;
const DIRECT_HOST = /^db\.[a-z0-9]+\.supabase\.co$/i;
/** A Supabase project ref: 20 lowercase letters and digits. */
const POOLER_USER = /^([^.]+)\.([a-z0-9]{20})$/;

export function supabaseMode(t: Pick<PgTarget, 'host' | 'port'>): SupabaseMode | null {
  if (POOLER_HOST.test(t.host)) return t.port === 6543 ? 'transaction-pooler' : 'session-pooler';
  if (DIRECT_HOST.test(t.host)) return 'direct';
  return null;
}

/** Why a profile cannot work as given, or null. Checked before any connection is tried. */
export function supabaseRefusal(t: Pick<PgTarget, 'host' | 'port' | 'user'>): string | null {
  const mode = supabaseMode(t);
  if (mode === 'transaction-pooler') {
    return (
      'Supabase’s transaction pooler (port 6543) shares server sessions between clients, so live updates and the migration lock cannot work through it. ' +
      'Use the session pooler (same host, port 5432) or the direct host db.<project-ref>.supabase.co.'
    );
  }
  if (mode === 'session-pooler' && !POOLER_USER.test(t.user)) {
    return `Supabase’s session pooler needs user names of the form <user>.<project-ref> (e.g. postgres.abcdefghijklmnopqrst); “${t.user}” is not.`;
  }
  return null;
}

/**
 * The user name a login role of the app must present on this target: on the session pooler the
 * pooler routes by the suffix, so the app's own roles carry the profile's project ref too.
 */
export function loginName(t: Pick<PgTarget, 'host' | 'port' | 'user'>, role: string): string {
  if (supabaseMode(t) !== 'session-pooler') return role;
  const m = POOLER_USER.exec(t.user);
  return m ? `${role}.${m[2]}` : role;
}

/** A hint to add to a connection failure on Supabase's direct host, which is IPv6 only by default. */
export function supabaseConnectHint(t: Pick<PgTarget, 'host' | 'port'>, code: string | undefined): string | null {
  if (supabaseMode(t) !== 'direct') return null;
  if (code && ['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
    return 'Supabase’s direct host has only an IPv6 address unless the project has the IPv4 add-on; from an IPv4-only network use the session pooler (<region>.pooler.supabase.com, port 5432, user <user>.<project-ref>).';
  }
  return null;
}
