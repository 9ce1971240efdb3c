import { z } from 'zod';
import { AFFECTED_KINDS, INCIDENT_STATES, MIN_RESOLUTION_NOTE, SEVERITIES, TIMELINE_KINDS } from '../domain/incident-lifecycle';
import { actorRef, command, empty, eventActor, idsEvent, isoTime, query, topic } from './channel';
import { roleSchema } from './roles';

export const severitySchema = z.enum(SEVERITIES);
export const incidentStateSchema = z.enum(INCIDENT_STATES);
export const affectedKindSchema = z.enum(AFFECTED_KINDS);

const title = z.string().trim().min(3, 'Give the incident a title (at least 3 characters).').max(200);
const longText = (max: number) => z.string().trim().max(max);

export const escalationTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('role'), role: roleSchema }),
  z.strictObject({ kind: z.literal('operator'), operatorId: z.uuid() }),
  z.strictObject({ kind: z.literal('on_call') }),
]);

export const escalationStepSchema = z.strictObject({
  waitMinutes: z.number().int('Whole minutes.').min(0).max(1440),
  target: escalationTargetSchema,
});

export const affectedRefSchema = z.strictObject({ kind: affectedKindSchema, id: z.uuid() });

export const incidentSummarySchema = z.object({
  id: z.uuid(),
  number: z.number().int(),
  ref: z.string(),
  title: z.string(),
  severity: severitySchema,
  state: incidentStateSchema,
  drill: z.boolean(),
  openedAt: isoTime,
  openedBy: eventActor,
  updatedAt: isoTime,
  acknowledged: z.object({ by: actorRef, at: isoTime }).nullable(),
  commander: actorRef.nullable(),
  resolvedAt: isoTime.nullable(),
  closedAt: isoTime.nullable(),
  mergedInto: z.object({ id: z.uuid(), ref: z.string() }).nullable(),
  /** Open, critical or high, not a drill: "resolve before new traffic". */
  blocksTraffic: z.boolean(),
  affectedCount: z.number().int(),
  version: z.number().int(),
});
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

export const timelineEntrySchema = z.object({
  id: z.uuid(),
  kind: z.enum(TIMELINE_KINDS),
  at: isoTime,
  actor: eventActor,
  body: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  auditSeq: z.number().int(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const reviewActionSchema = z.strictObject({
  text: z.string().trim().min(1, 'Say what is to be done.').max(500),
  owner: z.string().trim().max(200).default(''),
  due: z.iso.date().nullable().default(null),
  done: z.boolean().default(false),
});

export const reviewSchema = z.object({
  summary: z.string(),
  impact: z.string(),
  timeline: z.string(),
  causes: z.string(),
  actions: z.array(reviewActionSchema),
  updatedAt: isoTime,
  updatedBy: actorRef.nullable(),
  version: z.number().int(),
});
export type IncidentReview = z.infer<typeof reviewSchema>;

export const escalationStatusSchema = z.object({
  policy: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  arm: z.number().int(),
  armedAt: isoTime,
  /** Running: open and not acknowledged (and a policy is set). */
  running: z.boolean(),
  next: z.object({ dueAt: isoTime, step: z.number().int(), round: z.number().int(), target: z.string() }).nullable(),
  ackExpiresAt: isoTime.nullable(),
  notified: z.array(z.object({ at: isoTime, step: z.number().int(), round: z.number().int(), arm: z.number().int(), target: z.string() })),
});

export const incidentDetailSchema = z.object({
  incident: incidentSummarySchema,
  summary: z.string(),
  resolutionNote: z.string().nullable(),
  affected: z.array(z.object({ kind: affectedKindSchema, id: z.uuid(), name: z.string() })),
  alerts: z.array(
    z.object({ ruleId: z.uuid(), ruleName: z.string(), subjectKey: z.string(), subjectName: z.string(), state: z.string(), severity: z.string(), linkedAt: isoTime }),
  ),
  mergedFrom: z.array(z.object({ id: z.uuid(), ref: z.string(), title: z.string() })),
  timeline: z.array(timelineEntrySchema),
  review: reviewSchema.nullable(),
  escalation: escalationStatusSchema,
  allowedTransitions: z.array(incidentStateSchema),
});
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;

export const incidentsList = query('incidents.list', {
  summary: 'Incidents of the current org: open ones first (worst first), then the most recent.',
  request: z.strictObject({
    filter: z.enum(['open', 'recent', 'all']).default('recent'),
    limit: z.number().int().min(1).max(500).default(200),
  }),
  response: z.object({
    incidents: z.array(incidentSummarySchema),
    /** Open incidents by severity, drills excluded. */
    open: z.record(severitySchema, z.number().int()),
    blocking: z.number().int(),
  }),
});

export const incidentsGet = query('incidents.get', {
  summary: 'One incident with its timeline, affected grid, linked alerts, review and escalation.',
  request: z.strictObject({ incidentId: z.uuid() }),
  response: incidentDetailSchema,
});

const incidentResponse = z.object({ incident: incidentSummarySchema });

export const incidentsCreate = command('incidents.create', {
  summary: 'Open an incident (or a failover drill) in triage.',
  request: z.strictObject({
    title,
    severity: severitySchema,
    summary: longText(10000).default(''),
    drill: z.boolean().default(false),
    affected: z.array(affectedRefSchema).max(200).default([]),
  }),
  response: incidentResponse,
});

export const incidentsAcknowledge = command('incidents.acknowledge', {
  summary: 'Acknowledge an incident: you own the response; escalation stops. Refused if someone already has.',
  request: z.strictObject({
    incidentId: z.uuid(),
    note: longText(10000).optional(),
    /** Also start the response (triage → active) in the same step. */
    startResponse: z.boolean().optional(),
  }),
  response: incidentResponse,
});

export const incidentsTransition = command('incidents.transition', {
  summary: 'Move an incident through its lifecycle. Closing needs a resolution note; closing a critical one also needs its review.',
  request: z.strictObject({
    incidentId: z.uuid(),
    to: incidentStateSchema,
    /** The state the operator saw; if it changed meanwhile, the move is refused with who changed it. */
    expectedState: incidentStateSchema,
    resolutionNote: z.string().trim().min(MIN_RESOLUTION_NOTE, `A resolution note has at least ${MIN_RESOLUTION_NOTE} characters.`).max(10000).optional(),
    reason: z.string().trim().max(2000).optional(),
  }),
  response: incidentResponse,
});

export const incidentsMerge = command('incidents.merge', {
  summary: 'Merge an open incident into another open one (same problem); its timeline stays, marked merged.',
  request: z.strictObject({ incidentId: z.uuid(), intoId: z.uuid(), reason: z.string().trim().min(3, 'Say why they are the same.').max(2000) }),
  response: incidentResponse,
});

export const incidentsAddNote = command('incidents.addNote', {
  summary: 'Add a note to an incident’s timeline.',
  request: z.strictObject({ incidentId: z.uuid(), body: z.string().trim().min(1, 'Write the note.').max(10000) }),
  response: z.object({ entry: timelineEntrySchema }),
});

export const incidentsSetSeverity = command('incidents.setSeverity', {
  summary: 'Change an incident’s severity, with the reason.',
  request: z.strictObject({ incidentId: z.uuid(), severity: severitySchema, reason: z.string().trim().min(3, 'Say why.').max(2000) }),
  response: incidentResponse,
});

export const incidentsTakeCommand = command('incidents.takeCommand', {
  summary: 'Become the incident commander (incident commanders and admins; an admin may take over from someone else).',
  request: z.strictObject({ incidentId: z.uuid(), reason: z.string().trim().max(2000).optional() }),
  response: incidentResponse,
  // Refused by role before anything is read; the service still checks who commands what.
  roles: ['admin', 'incident_commander'],
});

export const incidentsHandOver = command('incidents.handOver', {
  summary: 'Hand command to another incident commander or admin (the commander, or an admin).',
  request: z.strictObject({ incidentId: z.uuid(), toOperatorId: z.uuid(), note: longText(2000).optional() }),
  response: incidentResponse,
  roles: ['admin', 'incident_commander'],
});

export const incidentsSetAffected = command('incidents.setAffected', {
  summary: 'Add or remove corridors, sites and nodes the incident affects.',
  request: z
    .strictObject({ incidentId: z.uuid(), add: z.array(affectedRefSchema).max(200).default([]), remove: z.array(affectedRefSchema).max(200).default([]) })
    .refine((r) => r.add.length + r.remove.length > 0, { message: 'Add or remove at least one.', path: ['add'] }),
  response: incidentResponse,
});

const drainNode = z.object({ id: z.uuid(), hostname: z.string(), siteName: z.string(), lifecycle: z.string() });

export const incidentsDrainPlan = query('incidents.drainPlan', {
  summary: 'What draining an open incident would take out of service (the nodes it names and the nodes of the sites it names), and what it drained that is still draining.',
  request: z.strictObject({ incidentId: z.uuid() }),
  response: z.object({
    /** Active nodes it names, directly or by their site: what Drain would move to draining. */
    drainable: z.array(drainNode),
    /** Nodes it names that are not active (draining already, offline, registered, retired): left as they are. */
    notActive: z.number().int(),
    /** Corridors it names: never drained whole from an incident (name their sites instead). */
    corridors: z.number().int(),
    /** Nodes this incident drained that are still draining: what Put back would return to active. */
    drained: z.array(drainNode),
    /** More nodes than one drain takes: Drain is refused until the incident names fewer. */
    tooMany: z.boolean(),
    limit: z.number().int(),
  }),
});

export const incidentsDrain = command('incidents.drain', {
  summary: 'Drain the active nodes an open incident names (directly or by their site): routing sends them no new work. One audit event per node, and one timeline entry.',
  request: z.strictObject({ incidentId: z.uuid(), reason: z.string().trim().min(3, 'Say why, in a few words (at least 3 characters).').max(2000) }),
  response: z.object({ drained: z.array(drainNode), incident: incidentSummarySchema }),
});

export const incidentsRestore = command('incidents.restore', {
  summary: 'Put back into service (active) the nodes this incident drained that are still draining; one an operator moved since is left as it is.',
  request: z.strictObject({ incidentId: z.uuid(), reason: z.string().trim().min(3, 'Say why, in a few words (at least 3 characters).').max(2000) }),
  response: z.object({ restored: z.array(drainNode), left: z.number().int(), incident: incidentSummarySchema }),
});

export const incidentsLinkAlert = command('incidents.linkAlert', {
  summary: 'Link an alert (a rule and its subject) to an incident’s timeline.',
  request: z.strictObject({ incidentId: z.uuid(), ruleId: z.uuid(), subjectKey: z.string().max(80) }),
  response: incidentResponse,
});

export const incidentsSetPolicy = command('incidents.setPolicy', {
  summary: 'Choose the escalation policy of an incident (none stops escalation).',
  request: z.strictObject({ incidentId: z.uuid(), policyId: z.uuid().nullable() }),
  response: incidentResponse,
});

export const incidentsSaveReview = command('incidents.saveReview', {
  summary: 'Save the post-incident review (summary, impact, timeline, causes, actions).',
  request: z.strictObject({
    incidentId: z.uuid(),
    summary: longText(20000),
    impact: longText(20000),
    timeline: longText(20000),
    causes: longText(20000),
    actions: z.array(reviewActionSchema).max(100),
    /** The version the editor started from; null for a new review. Someone else's save in between is refused. */
    expectedVersion: z.number().int().nullable(),
  }),
  response: z.object({ review: reviewSchema }),
});

export const incidentNotificationSchema = z.object({
  id: z.uuid(),
  incidentId: z.uuid(),
  ref: z.string(),
  title: z.string(),
  severity: severitySchema,
  step: z.number().int(),
  round: z.number().int(),
  target: z.string(),
  /** The signed-in operator is among those this step notifies. */
  forMe: z.boolean(),
  notifiedAt: isoTime,
});
export type IncidentNotification = z.infer<typeof incidentNotificationSchema>;

export const incidentsNotifications = query('incidents.notifications', {
  summary: 'Escalation notifications since a time, newest first, each saying whether it is for you.',
  request: z.strictObject({ since: isoTime }),
  response: z.object({ notifications: z.array(incidentNotificationSchema) }),
});

export const escalationPolicySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  severities: z.array(severitySchema),
  steps: z.array(z.object({ waitMinutes: z.number().int(), target: escalationTargetSchema, targetLabel: z.string() })),
  repeat: z.number().int(),
  ackTimeoutMinutes: z.number().int().nullable(),
  updatedAt: isoTime,
  version: z.number().int(),
});
export type EscalationPolicyView = z.infer<typeof escalationPolicySchema>;

export const escalationList = query('escalation.list', {
  summary: 'Escalation policies of the current org.',
  request: empty,
  response: z.object({ policies: z.array(escalationPolicySchema) }),
});

export const escalationSave = command('escalation.save', {
  summary: 'Create or change an escalation policy (admins).',
  request: z.strictObject({
    id: z.uuid().optional(),
    name: z.string().trim().min(3, 'Name the policy (at least 3 characters).').max(120),
    severities: z.array(severitySchema).max(4).default([]),
    steps: z.array(escalationStepSchema).min(1, 'A policy needs at least one step.').max(10),
    repeat: z.number().int().min(0).max(10).default(0),
    ackTimeoutMinutes: z.number().int().min(1).max(1440).nullable().default(null),
    expectedVersion: z.number().int().optional(),
  }),
  response: z.object({ policy: escalationPolicySchema }),
  roles: ['admin'],
});

export const escalationDelete = command('escalation.delete', {
  summary: 'Delete an escalation policy (admins); incidents using it stop escalating.',
  request: z.strictObject({ id: z.uuid(), reason: z.string().trim().min(3, 'Say why.').max(2000) }),
  response: z.object({ ok: z.literal(true) }),
  roles: ['admin'],
});

export const memberSchema = z.object({ id: z.uuid(), name: z.string(), email: z.string(), role: roleSchema });
export type Member = z.infer<typeof memberSchema>;

export const orgMembers = query('org.members', {
  summary: 'The members of the current org and their roles (for handovers, owners and escalation targets).',
  request: empty,
  response: z.object({ members: z.array(memberSchema) }),
});

export const incidentsChanged = topic('incidents.changed', {
  summary: 'Incidents or their timelines changed.',
  params: empty,
  event: idsEvent,
});

export const escalationNotified = topic('escalation.notified', {
  summary: 'An escalation step notified someone; ask incidents.notifications whether it was you.',
  params: empty,
  event: idsEvent,
});

export const escalationChanged = topic('escalation.changed', {
  summary: 'Escalation policies changed.',
  params: empty,
  event: idsEvent,
});
