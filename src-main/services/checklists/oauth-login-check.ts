import type { CheckAnswer } from '../../../src-shared/domain/checklists';
import type { Sql } from '../../db';

/**
 * The pilot gate "OAuth login works", answered from records: a member of this org has signed in
 * through the organisation's identity provider. Both records must agree: the identity link (its
 * sign-in counter is written only by the verified sign-in, on the owner connection, sql/0033) and
 * the identity.signed_in event in the org's audit chain, which the answer links to.
 * A typed e-mail, the embedded demo's OS-user start or an owner-password sign-in write neither,
 * so they never pass this gate.
 */
export async function oauthLoginAnswer(sql: Sql): Promise<CheckAnswer> {
  // The event must belong to a member who still holds a link for that issuer with a counted
  // sign-in: a removed member's old sign-in (links cascade with the membership) proves nothing now.
  const r = await sql.one<{ linked: number; signed_in: number; seq: number | null; at: string | null; actor: string | null; issuer: string | null }>(
    `WITH oidc AS (
       SELECT x.seq, x.at, x.actor_name, x.actor_id, x.data ->> 'issuer' AS issuer FROM mc.audit_events x
        WHERE x.org_id = mc.current_org_id() AND x.action = 'identity.signed_in' AND x.data ->> 'method' = 'oidc'
          AND EXISTS (SELECT 1 FROM mc.identity_links l
                       WHERE l.org_id = x.org_id AND l.operator_id = x.actor_id AND l.issuer = x.data ->> 'issuer' AND l.sign_in_count > 0))
     SELECT (SELECT count(*)::int FROM mc.identity_links l WHERE l.org_id = mc.current_org_id()) AS linked,
            (SELECT count(DISTINCT actor_id)::int FROM oidc) AS signed_in,
            last.seq, last.at, last.actor_name AS actor, last.issuer
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT * FROM oidc ORDER BY seq DESC LIMIT 1) last ON true`,
  );
  const connections = { type: 'view', id: 'connections', label: 'Connections' };
  if (r.signed_in === 0 || r.seq === null) {
    return {
      ok: false,
      summary:
        r.linked === 0
          ? 'Nobody in this org has signed in through an identity provider yet. Set the profile’s provider (issuer, client id) in Connections, invite a member, and sign in with the provider.'
          : `${r.linked} identit${r.linked === 1 ? 'y is' : 'ies are'} linked, but no sign-in through the provider is recorded in this org's audit chain yet. Sign in with the provider from Connections.`,
      record: connections,
    };
  }
  return {
    ok: true,
    summary: `${r.actor ?? 'A member'} signed in through ${r.issuer ?? 'the identity provider'} on ${r.at?.slice(0, 10) ?? '?'} (audit #${r.seq}); ${r.signed_in} member${r.signed_in === 1 ? ' has' : 's have'} signed in this way.`,
    record: { type: 'audit', id: String(r.seq), label: `identity.signed_in, audit #${r.seq}` },
  };
}
