import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { McError } from '../../../src-shared/contract/errors';
import { loadKeyRing, rotateAuditKey, serialForOrg } from '../audit/anchor';
import { readKeyHistory } from '../audit/anchor/key-history';
import { hashKey, rotateKey } from '../keys';
import { rotateCustomerKey } from '../keys/customer-keys';
import type { CredentialDeps } from './deps';
import { rotationFaults } from './faults';
import { parseLoginRef } from './inventory';
import type { ItemRow } from './records';

/** What rotating one credential came to; stored on its item row. */
export interface Outcome {
  state: 'rotated' | 'manual' | 'skipped';
  detail: string;
  action: string | null;
  oldRef: string | null;
  newRef: string | null;
  /** A new key's secret, to hold in the keychain until it is revealed once for delivery. */
  secret?: string;
}

export interface RunFacts {
  mode: 'compromise' | 'scheduled';
  graceHours: number;
  startedAt: string;
}

/** The plan's mark on a credential the app cannot rotate (its action says who can, and how). */
export const HELD_OUTSIDE = 'Held outside the app.';

/** The keychain entry holding a run's new key until an operator reveals it once. */
export const deliveryAccount = (orgId: string, itemId: string) => `credential-delivery:${orgId}:${itemId}`;

type KeyKind = 'node_key' | 'customer_key';

async function standing(deps: CredentialDeps, kind: KeyKind, by: { id?: string; secret?: string }): Promise<string> {
  return (
    await deps.sql.one<{ s: string }>('SELECT mc.credential_key_standing($1, $2, $3) AS s', [kind, by.id ?? null, by.secret ? hashKey(by.secret) : null])
  ).s;
}

async function endGrace(deps: CredentialDeps, kind: KeyKind, item: ItemRow): Promise<Outcome> {
  const table = kind === 'node_key' ? 'mc.node_keys' : 'mc.customer_keys';
  await deps.sql.query(`UPDATE ${table} SET grace_until = now() WHERE id = $1`, [item.ref]);
  const after = await standing(deps, kind, { id: item.ref });
  if (after === 'ok') throw new Error(`${item.label} is still accepted after its grace was ended`);
  await deps.audit({ action: 'credentials.grace_ended', target: { type: kind, id: item.ref }, data: { prefix: item.label, standing: after } });
  return { state: 'rotated', detail: `Was still working in the grace of an earlier rotation; its grace ended now (verified: ${after.replace('_', ' ')}). Its replacement was already issued.`, action: null, oldRef: item.label, newRef: null };
}

/** Node and customer keys: a new key, verified accepted, and the old one retired in the same transaction. */
async function rotateApiKey(deps: CredentialDeps, kind: KeyKind, item: ItemRow, run: RunFacts): Promise<Outcome> {
  const table = kind === 'node_key' ? 'mc.node_keys' : 'mc.customer_keys';
  const now = await standing(deps, kind, { id: item.ref });
  if (now !== 'ok') {
    return { state: 'skipped', detail: `No longer works (${now.replace('_', ' ')}) at its turn: nothing to rotate.`, action: null, oldRef: null, newRef: null };
  }
  const superseded = await deps.sql.one<{ s: boolean }>(`SELECT superseded_by IS NOT NULL AS s FROM ${table} WHERE id = $1`, [item.ref]);
  if (superseded.s) {
    if (run.mode === 'compromise') return endGrace(deps, kind, item);
    return { state: 'skipped', detail: 'Already replaced (in grace from an earlier rotation): its replacement is the key to deliver.', action: null, oldRef: null, newRef: null };
  }
  const input = { keyId: item.ref, graceHours: run.graceHours, expiresInDays: null, operatorId: deps.operatorId };
  const r = kind === 'node_key' ? await rotateKey(deps.sql, input, deps.audit) : await rotateCustomerKey(deps.sql, input, deps.audit);
  rotationFaults.hit(`${kind}:after-new`);
  const fresh = await standing(deps, kind, { secret: r.secret });
  if (fresh !== 'ok') throw new Error(`the new key ${r.key.prefix}… is not accepted (${fresh})`);
  const old = await standing(deps, kind, { id: item.ref });
  const oldOk = run.mode === 'compromise' ? old !== 'ok' : old === 'ok';
  if (!oldOk) throw new Error(`the old key ${r.previous.prefix}… is ${old === 'ok' ? 'still accepted' : `already refused (${old})`}`);
  const until = run.mode === 'compromise' ? 'stopped working now' : `works until ${r.previous.graceUntil} (grace)`;
  const where = kind === 'node_key' ? item.owner : `customer ${item.owner}`;
  const action =
    kind === 'node_key'
      ? `Deliver to ${item.owner}: reveal ${r.key.prefix}… once (Credentials → this run), put it in that node agent’s key setting, restart the agent. The old key ${until}. Credentials and Node keys show ${item.owner} as “not switched” until it presents the new key.`
      : `Give ${item.owner} the new key ${r.key.prefix}… (reveal it once in Credentials → this run) through your usual secure channel; they replace it in their API clients. The old key ${until}.`;
  return {
    state: 'rotated',
    detail: `New key ${r.key.prefix}… verified accepted; old key ${r.previous.prefix}… verified ${run.mode === 'compromise' ? `refused (${old.replace('_', ' ')})` : 'still accepted until its grace ends'} for ${where}.`,
    action,
    oldRef: r.previous.prefix,
    newRef: r.key.prefix,
    secret: r.secret,
  };
}

function verifies(publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array): boolean {
  const message = new Uint8Array(randomBytes(32));
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return verify(null, message, key, sign(message));
}

/**
 * The checkpoint signing key: rotated by the anchor's own crash-safe steps (the log is anchored
 * with the old key first). A rotation whose run record was not committed (a crash right after)
 * is found on resume by its fingerprint and not repeated.
 */
async function rotateSigningKey(deps: CredentialDeps, item: ItemRow, run: RunFacts): Promise<Outcome> {
  const history = readKeyHistory(deps.checkpoints.dir, deps.orgId);
  // Planned with a fingerprint, or with a placeholder when the key had no history yet.
  const planned = item.ref.startsWith('SHA256:') ? item.ref : null;
  const rotatedBefore =
    history !== null &&
    (planned !== null ? history.retired.some((k) => k.fingerprint === planned) : history.current.createdAt !== null && history.current.createdAt >= run.startedAt);
  let retired: string;
  let current: string;
  if (rotatedBefore && history) {
    retired = history.retired[0]?.fingerprint ?? '';
    current = history.current.fingerprint;
  } else {
    const r = await serialForOrg(deps.orgId, () =>
      rotateAuditKey(deps.sql, deps.orgId, deps.checkpoints, deps.vault, new Date(), (step) => {
        if (step === 'next-key-stored') rotationFaults.hit('signing_key:after-new');
      }),
    );
    retired = r.retired;
    current = r.current;
  }
  const ring = await loadKeyRing(deps.vault, deps.checkpoints.dir, deps.orgId);
  if (ring.current.fingerprint !== current) throw new Error('the keychain does not hold the new checkpoint key');
  if (!verifies(ring.current.publicKey, ring.current.sign)) throw new Error('the new checkpoint key does not produce a signature its public key verifies');
  if (!ring.retired.some((k) => k.fingerprint === retired)) throw new Error('the old checkpoint key is not recorded as retired');
  await deps.audit({ action: 'credentials.rotated', target: { type: 'signing_key', id: deps.orgId }, data: { kind: 'signing_key', retiredFingerprint: retired, currentFingerprint: current } });
  return {
    state: 'rotated',
    detail: `New checkpoint key ${current} signs and verifies; ${retired} is retired (its private half is gone from the keychain; its public half stays in the key history so old checkpoints still verify).`,
    action: 'Give auditors and witnesses the new public key: export checkpoints (Audit → Export checkpoints) so they can verify what it signs.',
    oldRef: retired,
    newRef: current,
  };
}

async function rotateLogin(deps: CredentialDeps, item: ItemRow): Promise<Outcome> {
  // Which of this installation's logins the item names (its ref is the role, and the profile when
  // that is not the connected one).
  const { role, profileId } = parseLoginRef(item.ref);
  const info = profileId ? (await deps.db.otherProfileLogins()).find((p) => p.profile.id === profileId) : await deps.db.appLogins();
  const kind = info?.logins.find((l) => l.role === role)?.kind;
  if (!kind) throw new Error(profileId ? `${role} is not one of this installation's logins on a profile of this workstation (the profile was removed?)` : `${role} is not one of this installation's logins on the active profile`);
  const r = await deps.db.rotateAppLogin(kind, () => rotationFaults.hit(`${item.kind as 'database_role' | 'ingest_login'}:after-new`), profileId ?? undefined);
  if (!r.oldRefused) throw new Error(`the old password of ${r.role} still logs in`);
  await deps.audit({
    action: 'credentials.rotated',
    target: { type: item.kind, id: null },
    data: { kind: item.kind, role: r.role, ...(profileId ? { profile: r.profile.name, server: `${r.profile.host}:${r.profile.port}/${r.profile.database}` } : {}) },
  });
  return {
    state: 'rotated',
    detail: profileId
      ? `New password of ${r.role} on profile “${r.profile.name}” logs in there; the old one is refused. The keychain holds it; the app uses it when that profile is next active. This record is in the connected database; that profile's database keeps no record of its own.`
      : `New password of ${r.role} logs in; the old one is refused (a role has one password: no grace in either mode). The app’s connections switched to it; the keychain holds it.`,
    action: kind === 'ingest' && !profileId ? 'Restart the demo agent or `npm run agent` on this workstation if they were running: they read the login from the keychain at start.' : null,
    oldRef: null,
    newRef: null,
  };
}

async function endSession(deps: CredentialDeps, item: ItemRow, run: RunFacts): Promise<Outcome> {
  if (run.mode === 'scheduled') {
    return { state: 'skipped', detail: 'A scheduled rotation leaves signed-in sessions to end by the session policy; compromise mode ends them.', action: null, oldRef: null, newRef: null };
  }
  const ended = await deps.db.endSession(deps.orgId, item.ref);
  await deps.audit({ action: 'credentials.session_ended', target: { type: 'session', id: null }, data: { kind: 'session', role: item.ref, owner: item.owner, wasActive: ended } });
  return {
    state: 'rotated',
    detail: ended ? `Session login ended (verified: the login no longer exists). ${item.owner} must sign in again.` : 'The session had ended already (verified: the login no longer exists).',
    action: null,
    oldRef: item.ref,
    newRef: null,
  };
}

/** Rotate one credential of a run; throws when it could not be done (the caller rolls it back). */
export async function rotateOne(deps: CredentialDeps, item: ItemRow, run: RunFacts): Promise<Outcome> {
  // Planned as not rotatable by the app: the plan stored who holds it and what to do.
  if (item.detail === HELD_OUTSIDE) {
    await deps.audit({ action: 'credentials.not_rotated', target: { type: item.kind, id: null }, data: { kind: item.kind, ref: item.ref, label: item.label } });
    return { state: 'manual', detail: 'Not rotated by the app: it is held outside it.', action: item.action, oldRef: null, newRef: null };
  }
  switch (item.kind) {
    case 'session':
      return endSession(deps, item, run);
    case 'signing_key':
      return rotateSigningKey(deps, item, run);
    case 'database_role':
    case 'ingest_login':
      return rotateLogin(deps, item);
    case 'node_key':
    case 'customer_key':
      return rotateApiKey(deps, item.kind, item, run);
    default:
      throw new McError('INTERNAL', `no rotation for ${item.kind}`);
  }
}
