import { z } from 'zod';
import { command, isoTime, query } from './channel';
import { roleSchema } from './roles';

/**
 * Member management (admins): change a role, suspend and reinstate, remove. The database ends the
 * member's sessions at once (sql/0029); each step is audited with the reason the admin gives.
 */

export const MEMBER_STATUSES = ['active', 'suspended'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const managedMemberSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  role: roleSchema,
  status: z.enum(MEMBER_STATUSES),
  suspendedAt: isoTime.nullable(),
  memberSince: isoTime,
  /** The signed-in operator's own row (the panel says "you"). */
  self: z.boolean(),
});
export type ManagedMember = z.infer<typeof managedMemberSchema>;

/** A destructive or access-changing step always says why: the reason lands in the audit chain. */
const requiredReason = z.string().trim().min(1, 'Say why: the reason goes into the audit log.').max(2000);
const target = { operatorId: z.uuid('Choose a member.'), reason: requiredReason };

export const membersList = query('members.list', {
  summary: 'The members of the current org with role and status (active or suspended).',
  request: z.strictObject({}),
  response: z.object({ members: z.array(managedMemberSchema) }),
});

export const membersSetRole = command('members.setRole', {
  summary: 'Change a member’s role; it holds from their next statement, on every workstation.',
  roles: ['admin'],
  request: z.strictObject({ ...target, role: roleSchema }),
  response: z.object({ member: managedMemberSchema }),
});

export const membersSuspend = command('members.suspend', {
  summary: 'Suspend a member: their sessions see nothing from their next statement. Reinstating undoes it.',
  roles: ['admin'],
  request: z.strictObject(target),
  response: z.object({ member: managedMemberSchema }),
});

export const membersReinstate = command('members.reinstate', {
  summary: 'Reinstate a suspended member with the role they had.',
  roles: ['admin'],
  request: z.strictObject(target),
  response: z.object({ member: managedMemberSchema }),
});

export const membersRemove = command('members.remove', {
  summary: 'Remove a member from the org: their logins end at once; their past actions keep their name.',
  roles: ['admin'],
  request: z.strictObject(target),
  // How many database logins the membership had: every one of them sees nothing from now on.
  response: z.object({ ok: z.literal(true), logins: z.number().int() }),
});

/** One row of the monthly access review: who has access, how, and when they last used it. */
export const accessReviewRowSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  role: roleSchema,
  status: z.enum(MEMBER_STATUSES),
  memberSince: isoTime,
  /** When a login was last made for them (every sign-in makes one); null: never signed in. */
  lastSignIn: isoTime.nullable(),
  /** Their newest event in the org's audit chain. */
  lastAction: z.object({ at: isoTime, action: z.string() }).nullable(),
});
export type AccessReviewRow = z.infer<typeof accessReviewRowSchema>;

export const membersAccessReview = query('members.accessReview', {
  summary: 'Access review (monthly checklist): members, roles, status, last sign-in and last action. Admins and auditors.',
  request: z.strictObject({}),
  response: z.object({ generatedAt: isoTime, orgName: z.string(), rows: z.array(accessReviewRowSchema) }),
});
