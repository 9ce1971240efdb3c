import { z } from 'zod';
import { AGGREGATIONS, ALERT_METRICS, ALERT_SEVERITIES, ALERT_STATES, COMPARISONS, SCOPE_KINDS } from '../domain/alert-rules';
import { SEVERITIES } from '../domain/incident-lifecycle';
import { actorRef, command, empty, idsEvent, isoTime, query, topic } from './channel';

export const alertStateSchema = z.enum(ALERT_STATES);
export const alertSeveritySchema = z.enum(ALERT_SEVERITIES);

export const ruleFieldsSchema = z.strictObject({
  name: z.string().trim().min(3, 'Name the rule (at least 3 characters).').max(120),
  metric: z.enum(ALERT_METRICS),
  aggregation: z.enum(AGGREGATIONS),
  comparison: z.enum(COMPARISONS),
  threshold: z.number().finite('Give a number.'),
  forSeconds: z.number().int().min(0).max(86_400),
  keepFiringForSeconds: z.number().int().min(0).max(86_400).default(0),
  severity: alertSeveritySchema,
  scopeKind: z.enum(SCOPE_KINDS),
  scopeId: z.uuid().nullable().default(null),
  openIncident: z.boolean().default(false),
  incidentSeverity: z.enum(SEVERITIES).default('critical'),
  enabled: z.boolean().default(true),
});

export const alertRuleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  metric: z.enum(ALERT_METRICS),
  aggregation: z.enum(AGGREGATIONS),
  comparison: z.enum(COMPARISONS),
  threshold: z.number(),
  forSeconds: z.number().int(),
  keepFiringForSeconds: z.number().int(),
  severity: alertSeveritySchema,
  scopeKind: z.enum(SCOPE_KINDS),
  scopeId: z.uuid().nullable(),
  scopeName: z.string().nullable(),
  openIncident: z.boolean(),
  incidentSeverity: z.enum(SEVERITIES),
  enabled: z.boolean(),
  /** In words: "P95 latency (P95, each corridor) > 1,000 ms for 5 min". */
  description: z.string(),
  firing: z.number().int(),
  pending: z.number().int(),
  updatedAt: isoTime,
  updatedBy: actorRef.nullable(),
  version: z.number().int(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const alertInstanceSchema = z.object({
  ruleId: z.uuid(),
  ruleName: z.string(),
  severity: alertSeveritySchema,
  subjectKey: z.string(),
  subjectType: z.enum(SCOPE_KINDS),
  subjectId: z.uuid().nullable(),
  subjectName: z.string(),
  state: alertStateSchema,
  pendingSince: isoTime.nullable(),
  firingSince: isoTime.nullable(),
  resolvedAt: isoTime.nullable(),
  lastValue: z.number().nullable(),
  /** The figure in words, with its unit. */
  lastValueText: z.string().nullable(),
  lastObservedAt: isoTime.nullable(),
  incident: z.object({ id: z.uuid(), ref: z.string() }).nullable(),
});
export type AlertInstance = z.infer<typeof alertInstanceSchema>;

export const evaluationStatusSchema = z.object({
  at: isoTime.nullable(),
  by: z.string().nullable(),
  /** Nobody has evaluated for a minute: no workstation that may write is running. */
  stale: z.boolean(),
});

export const alertsList = query('alerts.list', {
  summary: 'Alert rules, the alerts that are pending, firing or recently resolved, and when rules were last evaluated.',
  request: empty,
  response: z.object({ rules: z.array(alertRuleSchema), instances: z.array(alertInstanceSchema), evaluation: evaluationStatusSchema }),
});

export const alertEventSchema = z.object({
  id: z.number().int(),
  ruleId: z.uuid(),
  ruleName: z.string(),
  subjectKey: z.string(),
  subjectName: z.string(),
  from: alertStateSchema,
  to: alertStateSchema,
  reason: z.string(),
  at: isoTime,
});

export const alertsHistory = query('alerts.history', {
  summary: 'Alert state changes, newest first (kept 30 days).',
  request: z.strictObject({ ruleId: z.uuid().optional(), limit: z.number().int().min(1).max(500).default(100) }),
  response: z.object({ events: z.array(alertEventSchema) }),
});

export const alertsSaveRule = command('alerts.saveRule', {
  summary: 'Create or change an alert rule. A changed rule starts its alerts afresh.',
  request: ruleFieldsSchema.extend({ id: z.uuid().optional(), expectedVersion: z.number().int().optional() }),
  response: z.object({ rule: alertRuleSchema }),
});

export const alertsDeleteRule = command('alerts.deleteRule', {
  summary: 'Delete an alert rule and its alerts (incidents it opened stay, with their timelines).',
  request: z.strictObject({ id: z.uuid(), reason: z.string().trim().min(3, 'Say why.').max(2000) }),
  response: z.object({ ok: z.literal(true) }),
});

export const alertsChanged = topic('alerts.changed', {
  summary: 'Alert rules changed, or an alert changed state.',
  params: empty,
  event: idsEvent,
});
