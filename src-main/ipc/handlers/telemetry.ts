import { answer } from '../../services/checklists/checks';
import { listEvidence } from '../../services/evidence';
import { pilotEvidence, pilotRef, pilotScope } from '../../services/evidence/pilot';
import { recordTelemetryValidation, telemetrySettings } from '../../services/telemetry';
import { listDeadLetters, resolveDeadLetters } from '../../services/telemetry/dead-letters';
import type { Handlers, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

export const telemetryHandlers = {
  'telemetry.validate': async (input, ctx) => ({ evidence: await recordTelemetryValidation(ctx.sql, ctx.session, input.nodeId, ctx.audit) }),
  'telemetry.settings': async (_input, ctx) => ctx.read((sql) => telemetrySettings(sql)),
  'telemetry.deadLetters': async (_input, ctx) => ctx.read((sql) => listDeadLetters(sql)),
  'telemetry.resolveDeadLetters': async (input, ctx) => resolveDeadLetters(ctx.sql, input, ctx.audit),
  'evidence.list': async (input, ctx) => ({ records: await ctx.read((sql) => listEvidence(sql, input)) }),
  'evidence.pilot': async (input, ctx) =>
    ctx.read(async (sql, session) => {
      const pilot = await pilotRef(sql, input.pilotId);
      return pilotEvidence(sql, pilot, (key) => answer(sql, key, pilotScope(pilot), session));
    }),
} satisfies Partial<Handlers>;

export const telemetryTopics = {
  'evidence.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'evidence.changed', emit),
} satisfies Partial<TopicHandlers>;
