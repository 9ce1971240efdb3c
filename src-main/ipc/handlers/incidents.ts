import {
  acknowledge,
  addNote,
  createIncident,
  deletePolicy,
  drainNamed,
  drainPlan,
  getIncident,
  handOver,
  linkAlert,
  listIncidents,
  listPolicies,
  merge,
  notificationsSince,
  restoreDrained,
  savePolicy,
  saveReview,
  setAffected,
  setPolicy,
  setSeverity,
  takeCommand,
  transition,
} from '../../services/incidents';
import { commandRecorder, listMembers } from '../../services/org';
import type { Handlers, OrgCommandCtx, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

const rec = (ctx: OrgCommandCtx) => commandRecorder(ctx.session, ctx.audit);

export const incidentsHandlers = {
  'org.members': async (_input, ctx) => ({ members: await ctx.read((sql) => listMembers(sql)) }),
  'incidents.list': async (input, ctx) => ctx.read((sql) => listIncidents(sql, input.filter, input.limit), { snapshot: true }),
  'incidents.get': async (input, ctx) => ctx.read((sql) => getIncident(sql, input.incidentId, new Date()), { snapshot: true }),
  'incidents.create': async (input, ctx) => ({ incident: (await createIncident(ctx.sql, rec(ctx), input)).incident }),
  'incidents.acknowledge': async (input, ctx) => ({ incident: await acknowledge(ctx.sql, rec(ctx), input) }),
  'incidents.transition': async (input, ctx) => ({ incident: await transition(ctx.sql, rec(ctx), input) }),
  'incidents.merge': async (input, ctx) => ({ incident: await merge(ctx.sql, rec(ctx), input) }),
  'incidents.addNote': async (input, ctx) => ({ entry: await addNote(ctx.sql, rec(ctx), input) }),
  'incidents.setSeverity': async (input, ctx) => ({ incident: await setSeverity(ctx.sql, rec(ctx), input) }),
  'incidents.takeCommand': async (input, ctx) => ({ incident: await takeCommand(ctx.sql, rec(ctx), ctx.session, input) }),
  'incidents.handOver': async (input, ctx) => ({ incident: await handOver(ctx.sql, rec(ctx), ctx.session, input) }),
  'incidents.setAffected': async (input, ctx) => ({ incident: await setAffected(ctx.sql, rec(ctx), input) }),
  'incidents.drainPlan': async (input, ctx) => ctx.read((sql) => drainPlan(sql, input.incidentId), { snapshot: true }),
  'incidents.drain': async (input, ctx) => drainNamed(ctx.sql, rec(ctx), input),
  'incidents.restore': async (input, ctx) => restoreDrained(ctx.sql, rec(ctx), input),
  'incidents.linkAlert': async (input, ctx) => ({ incident: await linkAlert(ctx.sql, rec(ctx), input) }),
  'incidents.setPolicy': async (input, ctx) => ({ incident: await setPolicy(ctx.sql, rec(ctx), input) }),
  'incidents.saveReview': async (input, ctx) => ({ review: await saveReview(ctx.sql, rec(ctx), input) }),
  'incidents.notifications': async (input, ctx) => ({ notifications: await ctx.read((sql, session) => notificationsSince(sql, session, input.since)) }),
  'escalation.list': async (_input, ctx) => ({ policies: await ctx.read((sql) => listPolicies(sql)) }),
  'escalation.save': async (input, ctx) => ({ policy: await savePolicy(ctx.sql, input, ctx.audit) }),
  'escalation.delete': async (input, ctx) => {
    await deletePolicy(ctx.sql, input.id, ctx.audit);
    return { ok: true as const };
  },
} satisfies Partial<Handlers>;

export const incidentsTopics = {
  'incidents.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'incidents.changed', emit),
  'escalation.notified': (_params, ctx, emit) => forwardCoalesced(ctx, 'escalation.notified', emit),
  'escalation.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'escalation.changed', emit),
} satisfies Partial<TopicHandlers>;
