import { useState } from 'react';
import type { ManagedMember } from '../../../src-shared/contract/members';
import { ROLE_LABELS, ROLES, type Role } from '../../../src-shared/contract/roles';
import { call } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { startMembersLive, useMembers } from '../../stores/members-store';
import { useSystem } from '../../stores/system-store';
import { useChangeView } from '../change-view';

type Pending =
  | { kind: 'role'; member: ManagedMember; role: Role }
  | { kind: 'suspend' | 'reinstate' | 'remove'; member: ManagedMember };

const TITLES: Record<Pending['kind'], (m: ManagedMember, role?: Role) => string> = {
  role: (m, role) => `Make ${m.name} ${ROLE_LABELS[role ?? m.role].toLowerCase()}?`,
  suspend: (m) => `Suspend ${m.name}?`,
  reinstate: (m) => `Reinstate ${m.name}?`,
  remove: (m) => `Remove ${m.name} from the org?`,
};

const EFFECTS: Record<Pending['kind'], string> = {
  role: 'The new role holds from their next action, on every workstation they use.',
  suspend: 'Their sessions see nothing from their next action, on every workstation. Reinstating gives back the role they had.',
  reinstate: 'They can act again with the role they had, from their next action.',
  remove: 'Their sign-ins end at once and cannot be brought back; to return they need a new invitation. Their past actions keep their name in the audit log.',
};

const DONE: Record<Pending['kind'], (m: ManagedMember, role?: Role) => string> = {
  role: (m, role) => `${m.name} is now ${ROLE_LABELS[role ?? m.role].toLowerCase()}.`,
  suspend: (m) => `${m.name} is suspended: their sessions see nothing.`,
  reinstate: (m) => `${m.name} is reinstated.`,
  remove: (m) => `${m.name} was removed; their sign-ins are ended.`,
};

/** The member list; admins change roles, suspend, reinstate and remove, each confirmed with a reason. */
export function MembersPanel() {
  const { data, error } = useMembers();
  const role = useSystem((s) => s.info?.session?.role);
  const admin = role === 'admin';
  const [pending, setPending] = useState<Pending | null>(null);
  const { act } = useChangeView({ live: startMembersLive, load: () => useMembers.getState().load() });

  if (error && !data) return <ErrorState title="Could not load the members" message={error} />;
  if (!data) return <div className="dim body">Loading…</div>;

  const run = (p: Pending, reason: string) => {
    const operatorId = p.member.id;
    switch (p.kind) {
      case 'role':
        return call('members.setRole', { operatorId, role: p.role, reason });
      case 'suspend':
        return call('members.suspend', { operatorId, reason });
      case 'reinstate':
        return call('members.reinstate', { operatorId, reason });
      case 'remove':
        return call('members.remove', { operatorId, reason });
    }
  };

  return (
    <section className="panel" data-testid="members">
      <header>
        Members <span className="dim">· {data.members.length} · {data.members.filter((m) => m.status === 'suspended').length} suspended</span>
      </header>
      {!admin && <div className="body dim">Only an admin can change roles, suspend or remove members.</div>}
      {data.members.length === 0 ? (
        <div className="body dim">This org has no members you can see.</div>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th>E-mail</th>
              <th>Role</th>
              <th>Status</th>
              <th>Member since</th>
              {admin && <th />}
            </tr>
          </thead>
          <tbody>
            {data.members.map((m) => (
              <tr key={m.id} data-testid={`member-${m.email}`} data-status={m.status} data-role={m.role}>
                <td>
                  {m.name} {m.self && <span className="dim">(you)</span>}
                </td>
                <td className="mono">{m.email}</td>
                <td>
                  {admin ? (
                    <select
                      aria-label={`Role of ${m.name}`}
                      value={m.role}
                      onChange={(e) => setPending({ kind: 'role', member: m, role: e.target.value as Role })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {ROLE_LABELS[r]}
                        </option>
                      ))}
                    </select>
                  ) : (
                    ROLE_LABELS[m.role]
                  )}
                </td>
                <td className={m.status === 'suspended' ? 'warn' : 'ok'}>
                  {m.status}
                  {m.suspendedAt && (
                    <>
                      {' '}
                      <Time iso={m.suspendedAt} />
                    </>
                  )}
                </td>
                <td>
                  <Time iso={m.memberSince} mode="local" />
                </td>
                {admin && (
                  <td className="row">
                    {m.status === 'active' ? (
                      <button className="btn small" onClick={() => setPending({ kind: 'suspend', member: m })}>
                        Suspend
                      </button>
                    ) : (
                      <button className="btn small" onClick={() => setPending({ kind: 'reinstate', member: m })}>
                        Reinstate
                      </button>
                    )}
                    <button className="btn small ghost" onClick={() => setPending({ kind: 'remove', member: m })}>
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pending && (
        <ReasonDialog
          title={TITLES[pending.kind](pending.member, pending.kind === 'role' ? pending.role : undefined)}
          confirmLabel={{ role: 'Change role', suspend: 'Suspend', reinstate: 'Reinstate', remove: 'Remove' }[pending.kind]}
          danger={pending.kind === 'suspend' || pending.kind === 'remove' || (pending.kind === 'role' && pending.member.role === 'admin')}
          placeholder={pending.kind === 'remove' ? 'e.g. left the company' : 'e.g. moved to the on-call rota'}
          onClose={() => setPending(null)}
          onSubmit={async (reason) => {
            const p = pending;
            // The dialog shows a refusal (e.g. the last admin) itself; a success is toasted and reloaded.
            await run(p, reason);
            void act(async () => undefined, DONE[p.kind](p.member, p.kind === 'role' ? p.role : undefined));
          }}
        >
          <p>{EFFECTS[pending.kind]}</p>
          {pending.member.self && <p className="warn">This is your own membership.</p>}
        </ReasonDialog>
      )}
    </section>
  );
}
