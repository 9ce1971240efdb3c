import { z } from 'zod';
import { empty, isoTime, query } from './channel';
import { incidentSummarySchema, severitySchema } from './incidents';
import { componentStateSchema } from './status';

/** An open incident as the map marks it: enough to colour a ring and name it on hover. */
export const incidentMarkSchema = z.object({ id: z.uuid(), ref: z.string(), title: z.string(), severity: severitySchema, drill: z.boolean() });
export type IncidentMark = z.infer<typeof incidentMarkSchema>;

export const corridorOverlaySchema = z.object({
  corridorId: z.uuid(),
  /** The corridor's component on /status (null: none linked). */
  component: z.object({ id: z.uuid(), key: z.string(), name: z.string(), state: componentStateSchema, reason: z.string().nullable(), changedAt: isoTime }).nullable(),
  /** Open incidents that name the whole corridor. */
  incidents: z.array(incidentMarkSchema),
});
export type CorridorOverlay = z.infer<typeof corridorOverlaySchema>;

export const siteOverlaySchema = z.object({
  siteId: z.uuid(),
  /** Open incidents that name the site or one of its nodes. */
  incidents: z.array(incidentMarkSchema),
});
export type SiteOverlay = z.infer<typeof siteOverlaySchema>;

export const networkOverlay = query('network.overlay', {
  summary: 'What the network views lay over the grid: each corridor’s declared state and the open incidents on corridors, sites and nodes.',
  request: empty,
  response: z.object({ corridors: z.array(corridorOverlaySchema), sites: z.array(siteOverlaySchema) }),
});

export const siteSeriesSchema = z.object({
  /** Minute starts, seconds since the epoch (UTC). */
  t: z.array(z.number()),
  /** Sum over the site's reporting nodes of each node's mean for the minute. */
  tokensPerS: z.array(z.number().nullable()),
  /** The worst reporting node's mean P95 latency for the minute. */
  p95LatencyMs: z.array(z.number().nullable()),
  /** Mean over reporting nodes. */
  errorRate: z.array(z.number().nullable()),
  gpuUtilPct: z.array(z.number().nullable()),
  /** Nodes that reported in the minute. */
  reporting: z.array(z.number().int()),
});
export type SiteSeries = z.infer<typeof siteSeriesSchema>;

export const networkSite = query('network.site', {
  summary: 'A site’s side panel: the open incidents on it, its nodes or its corridor, and its last hour of telemetry by minute.',
  request: z.strictObject({ siteId: z.uuid() }),
  response: z.object({ from: isoTime, to: isoTime, incidents: z.array(incidentSummarySchema), series: siteSeriesSchema }),
});
