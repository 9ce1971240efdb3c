import type { Profile, ProfileFields, TestResult } from '../../../src-shared/contract/connections';
import { McError } from '../../../src-shared/contract/errors';
import { type DatabaseManager, EMBEDDED_ID, secretAccounts, type StoredProfile } from '../../db';
import { decodeMemberLogin, sameEmail } from '../../db/member-logins';
import type { Vault } from '../../vault';

const SSL_STRENGTH = { disable: 0, require: 1, 'verify-ca': 2, 'verify-full': 3 } as const;

/**
 * A stored password may be used for a draft only when the draft still names the same server,
 * database and user, with TLS at least as strict: otherwise anyone able to call this could send
 * the password to a server of their choosing.
 */
function sameTargetAtLeastAsSafe(saved: StoredProfile, draft: ProfileFields): boolean {
  return (
    saved.host.toLowerCase() === draft.host.toLowerCase() &&
    saved.port === draft.port &&
    saved.database === draft.database &&
    saved.user === draft.user &&
    SSL_STRENGTH[draft.sslmode] >= SSL_STRENGTH[saved.sslmode] &&
    (saved.sslmode === 'disable' || saved.sslmode === 'require' || saved.sslRootCert === draft.sslRootCert)
  );
}

async function hasSecret(vault: Vault, account: string): Promise<boolean> {
  try {
    return (await vault.get(account)) !== null;
  } catch {
    return false;
  }
}

/** The passwords of the login roles the app made for itself on a profile's server. */
async function forgetRoleSecrets(vault: Vault, instance: string, id: string): Promise<void> {
  await vault.delete(secretAccounts.authenticator(instance, id));
  await vault.delete(secretAccounts.ingest(instance, id));
  await vault.delete(secretAccounts.advisor(instance, id));
  await vault.delete(secretAccounts.memberLogin(instance, id));
  await vault.delete(secretAccounts.refreshToken(instance, id));
}

async function toProfile(db: DatabaseManager, vault: Vault, p: StoredProfile): Promise<Profile> {
  const instance = db.profileStore.instanceId;
  const account = p.kind === 'embedded' ? secretAccounts.embeddedSuperuser(instance) : secretAccounts.profilePassword(instance, p.id);
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    host: p.host,
    port: p.port,
    database: p.database,
    user: p.user,
    sslmode: p.sslmode,
    sslRootCert: p.sslRootCert,
    operatorEmail: p.operatorEmail,
    passwordSet: await hasSecret(vault, account),
    active: db.activeProfile ? db.activeProfile.id === p.id : db.profileStore.activeId === p.id,
  };
}

export async function listProfiles(db: DatabaseManager, vault: Vault): Promise<Profile[]> {
  return Promise.all(db.profileStore.list(db.embeddedPort).map((p) => toProfile(db, vault, p)));
}

function requireProfile(db: DatabaseManager, id: string): StoredProfile {
  const p = db.profileStore.get(id, db.embeddedPort);
  if (!p) throw new McError('NOT_FOUND', 'That connection profile does not exist (it may have been deleted).');
  return p;
}

/**
 * Save a remote profile (the password, if given, to the keychain first: if the keychain refuses,
 * nothing is saved). The embedded profile has no fields to save; see setOperator.
 */
export async function saveProfile(
  db: DatabaseManager,
  vault: Vault,
  input: { id?: string | undefined; fields: ProfileFields; password?: string | undefined },
): Promise<{ profile: Profile; passwordChanged: boolean }> {
  const store = db.profileStore;
  if (input.id === EMBEDDED_ID) {
    throw new McError('VALIDATION', 'The embedded database’s connection is managed by the app; only who it signs in as can change.', {
      id: 'Use “Sign in as” for the embedded profile.',
    });
  }
  if (input.id !== undefined) requireProfile(db, input.id);
  const taken = store.list().find((p) => p.name.toLowerCase() === input.fields.name.toLowerCase() && p.id !== input.id);
  if (taken) throw new McError('CONFLICT', `A profile named “${taken.name}” already exists.`, { 'fields.name': 'Choose another name.' });
  if (input.fields.sslRootCert && input.fields.sslmode !== 'verify-ca' && input.fields.sslmode !== 'verify-full') {
    throw new McError('VALIDATION', 'A CA certificate is only used with sslmode verify-ca or verify-full.', {
      'fields.sslRootCert': 'Clear it, or choose verify-ca / verify-full.',
    });
  }
  if (input.id !== undefined && input.password === undefined) {
    const stored = requireProfile(db, input.id);
    if (!sameTargetAtLeastAsSafe(stored, input.fields)) {
      throw new McError('VALIDATION', 'Enter the password again: the server, database, user or TLS protection changed.', {
        password: 'A stored password is only ever sent to the server it was saved for. Enter it again for the new target.',
      });
    }
  }
  const id = input.id ?? crypto.randomUUID();
  if (input.id !== undefined && !sameTargetAtLeastAsSafe(requireProfile(db, input.id), input.fields)) {
    // The app's own login roles get their passwords set on whatever server the profile names. A
    // profile re-pointed elsewhere must not carry them along (the new server would learn the
    // passwords of the old one's roles), so the next activation creates fresh ones. First: if the
    // keychain refuses, nothing of the new target has been stored yet.
    await forgetRoleSecrets(vault, store.instanceId, id);
  }
  if (input.password !== undefined) await vault.set(secretAccounts.profilePassword(store.instanceId, id), input.password);
  const saved = store.saveRemote(id, input.fields);
  // The owner's password typed with the change is the credential that may sign this person in here.
  if (input.password !== undefined) db.allowOwnerClaim(saved.id, saved.operatorEmail);
  return { profile: await toProfile(db, vault, saved), passwordChanged: input.password !== undefined };
}

/** Who this workstation acts as on a profile. The active profile reconnects so it takes effect now. */
export async function setOperator(db: DatabaseManager, vault: Vault, id: string, operatorEmail: string): Promise<Profile> {
  const profile = requireProfile(db, id);
  const { kind, id: _id, ...fields } = profile;
  if (kind === 'remote') {
    // Typing an e-mail changes nobody's identity: on a shared database the workstation acts only
    // through a login someone signed in with here (sql/0017), and it holds at most one per profile.
    const held = decodeMemberLogin(await vault.get(secretAccounts.memberLogin(db.profileStore.instanceId, id)));
    if (!held || !sameEmail(held.email, operatorEmail)) {
      throw new McError(
        'FORBIDDEN',
        `This workstation holds no sign-in for ${operatorEmail} on “${profile.name}”, and typing an e-mail does not change who acts. ` +
          `${held ? `It is signed in as ${held.email}. ` : ''}To sign someone in there, edit the profile with their e-mail and type the database owner’s password again, then activate it.`,
        { operatorEmail: 'No sign-in for this person is held on this workstation.' },
      );
    }
  }
  const store = (email: string) => (kind === 'embedded' ? db.profileStore.setEmbeddedOperator(email) : db.profileStore.saveRemote(id, { ...fields, operatorEmail: email }));
  store(operatorEmail);
  if ((db.activeProfile?.id ?? db.profileStore.activeId) === id) {
    try {
      await db.activate(id);
    } catch (err) {
      // The connection stays as it was, so the settings must too: otherwise the next start would
      // sign in as someone this change never managed to sign in as. Unless another change has
      // written its own operator since: that one is not this call's to undo.
      if (requireProfile(db, id).operatorEmail === operatorEmail) store(profile.operatorEmail);
      throw err;
    }
  }
  return toProfile(db, vault, requireProfile(db, id));
}

export async function deleteProfile(db: DatabaseManager, vault: Vault, id: string): Promise<StoredProfile> {
  const profile = requireProfile(db, id);
  if (profile.kind === 'embedded') throw new McError('VALIDATION', 'The embedded profile cannot be deleted.', { id: 'The embedded database is always there; switch to another profile instead.' });
  if ((db.activeProfile?.id ?? db.profileStore.activeId) === id) {
    throw new McError('CONFLICT', `“${profile.name}” is the active profile. Switch to another profile before deleting it.`);
  }
  // Keychain first: if it refuses, the profile stays, so no secret is left without an owner.
  const instance = db.profileStore.instanceId;
  await vault.delete(secretAccounts.profilePassword(instance, id));
  await forgetRoleSecrets(vault, instance, id);
  db.profileStore.deleteRemote(id);
  return profile;
}

export async function testProfile(
  db: DatabaseManager,
  vault: Vault,
  input: { id: string } | { draft: ProfileFields; password?: string | undefined; id?: string | undefined },
): Promise<TestResult> {
  if (!('draft' in input)) return db.probeProfile(requireProfile(db, input.id));
  let stored: string | null = null;
  if (input.password === undefined && input.id) {
    const saved = requireProfile(db, input.id);
    if (saved.kind === 'remote' && sameTargetAtLeastAsSafe(saved, input.draft)) {
      stored = await vault.get(secretAccounts.profilePassword(db.profileStore.instanceId, input.id)).catch(() => null);
    }
  }
  return db.probe(input.draft, input.password ?? stored, `“${input.draft.name}”`);
}
