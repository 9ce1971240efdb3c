import { createCorridor, createNodeGroup, createSite, getNode, gridOverview, listNodes, registerNode, setSiteSafety, transitionNode, updatePolicy } from '../../services/grid';
import { auditEventsFor } from '../../services/audit';
import { keysOfNode } from '../../services/keys';
import { nodeSeries } from '../../services/telemetry';
import type { Handlers, TopicHandlers } from '../types';
import { forwardCoalesced } from './org-topic';

export const gridHandlers = {
  'grid.overview': async (_input, ctx) => ctx.read((sql) => gridOverview(sql)),
  'grid.createCorridor': async (input, ctx) => ({ corridor: await createCorridor(ctx.sql, input, ctx.audit) }),
  'grid.updatePolicy': async (input, ctx) => ({ corridor: await updatePolicy(ctx.sql, input, ctx.audit) }),
  'grid.createSite': async (input, ctx) => ({ site: await createSite(ctx.sql, input, ctx.audit) }),
  'grid.setSiteSafety': async (input, ctx) => ({ site: await setSiteSafety(ctx.sql, input, ctx.audit) }),
  'grid.createNodeGroup': async (input, ctx) => ({ nodeGroup: await createNodeGroup(ctx.sql, input, ctx.audit) }),

  'nodes.list': async (_input, ctx) => ({ nodes: await ctx.read((sql) => listNodes(sql)), at: new Date().toISOString() }),
  'nodes.get': async (input, ctx) =>
    ctx.read(async (sql) => {
      const { node, allowedTransitions } = await getNode(sql, input.nodeId);
      const keys = await keysOfNode(sql, input.nodeId);
      // The node's own events and those of its keys.
      const audit = await auditEventsFor(sql, [{ type: 'node', id: input.nodeId }, ...keys.map((k) => ({ type: 'node_key', id: k.id }))], 100);
      return { node, keys, allowedTransitions, audit };
    }),
  'nodes.telemetry': async (input, ctx) => ctx.read((sql) => nodeSeries(sql, input.nodeId, input.window)),
  'nodes.register': async (input, ctx) => ({ node: await registerNode(ctx.sql, input, ctx.audit) }),
  'nodes.transition': async (input, ctx) => ({ node: await transitionNode(ctx.sql, input, ctx.audit) }),
} satisfies Partial<Handlers>;

export const gridTopics = {
  'nodes.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'nodes.changed', emit),
  'sites.changed': (_params, ctx, emit) => forwardCoalesced(ctx, 'sites.changed', emit),
} satisfies Partial<TopicHandlers>;

