import { z } from 'zod';
import { command, empty, isoTime, query, topic } from './channel';
import { HEALTH_STATES } from '../domain/node-health';
import { LIFECYCLES } from '../domain/node-lifecycle';
import { auditEventSchema } from './audit';

export const REGIONS = ['apac', 'africa', 'eu', 'mena', 'north_america', 'custom'] as const;
export const SITE_KINDS = ['commercial', 'colocation', 'telecom_edge', 'campus', 'private_enterprise'] as const;
export const RUNTIME_GROUPS = ['vllm', 'ollama', 'tgi', 'embeddings', 'vision', 'document_ai', 'soc_inference'] as const;
export const SAFETY_STATES = ['not_started', 'in_progress', 'passed', 'failed'] as const;

export const REGION_LABELS: Record<(typeof REGIONS)[number], string> = {
  apac: 'APAC',
  africa: 'Africa',
  eu: 'EU',
  mena: 'MENA',
  north_america: 'North America',
  custom: 'Customer-defined',
};
export const SITE_KIND_LABELS: Record<(typeof SITE_KINDS)[number], string> = {
  commercial: 'Commercial',
  colocation: 'Colocation',
  telecom_edge: 'Telecom edge',
  campus: 'Campus',
  private_enterprise: 'Private enterprise',
};
export const RUNTIME_LABELS: Record<(typeof RUNTIME_GROUPS)[number], string> = {
  vllm: 'vLLM',
  ollama: 'Ollama',
  tgi: 'TGI',
  embeddings: 'Embeddings',
  vision: 'Vision',
  document_ai: 'Document AI',
  soc_inference: 'SOC inference',
};

const slug = z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'Lower-case letters, digits, - and _ (up to 41 characters).');
const countryCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{2}$/, 'Use an ISO 3166-1 alpha-2 code such as DE or KE.'));

export const residencyPolicySchema = z
  .strictObject({
    allowedCountries: z.array(countryCode).max(250).default([]),
    blockedCountries: z.array(countryCode).max(250).default([]),
    regulatedWorkloads: z.array(z.string().trim().min(1).max(60)).max(50).default([]),
    auditRequirement: z.string().trim().max(500).nullable().default(null),
  })
  .refine((p) => !p.allowedCountries.some((c) => p.blockedCountries.includes(c)), {
    message: 'A country cannot be both allowed and blocked.',
    path: ['blockedCountries'],
  });
export type ResidencyPolicyInput = z.infer<typeof residencyPolicySchema>;

export const corridorSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  region: z.enum(REGIONS),
  policy: z.object({
    allowedCountries: z.array(z.string()),
    blockedCountries: z.array(z.string()),
    regulatedWorkloads: z.array(z.string()),
    auditRequirement: z.string().nullable(),
  }),
  siteCount: z.number().int(),
  nodeCount: z.number().int(),
});
export type Corridor = z.infer<typeof corridorSchema>;

export const siteSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  corridorId: z.uuid(),
  kind: z.enum(SITE_KINDS),
  country: z.string(),
  city: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  ownerName: z.string(),
  safetyChecklist: z.enum(SAFETY_STATES),
  nodeCount: z.number().int(),
});
export type Site = z.infer<typeof siteSchema>;

export const nodeGroupSchema = z.object({ id: z.uuid(), siteId: z.uuid(), key: z.string(), name: z.string() });
export type NodeGroup = z.infer<typeof nodeGroupSchema>;

const figure = z.number().nullable();
export const nodeRowSchema = z.object({
  id: z.uuid(),
  hostname: z.string(),
  siteId: z.uuid(),
  nodeGroupId: z.uuid(),
  corridorId: z.uuid(),
  runtimeGroup: z.enum(RUNTIME_GROUPS),
  gpuModel: z.string(),
  gpuCount: z.number().int(),
  gpuMemoryGb: z.number().int(),
  capacityTokensPerS: z.number().int(),
  lifecycle: z.enum(LIFECYCLES),
  lifecycleChangedAt: isoTime,
  health: z.enum(HEALTH_STATES),
  seenAt: isoTime.nullable(),
  latest: z.object({
    gpuUtilPct: figure,
    gpuTempC: figure,
    powerW: figure,
    tokensPerS: figure,
    p95LatencyMs: figure,
    queueDepth: figure,
    errorRate: figure,
  }),
  validKeys: z.number().int(),
});
export type NodeRow = z.infer<typeof nodeRowSchema>;

export const gridOverview = query('grid.overview', {
  summary: 'Corridors with their residency policies, sites and node groups.',
  request: empty,
  response: z.object({ corridors: z.array(corridorSchema), sites: z.array(siteSchema), nodeGroups: z.array(nodeGroupSchema) }),
});

export const gridCreateCorridor = command('grid.createCorridor', {
  summary: 'Add a customer-defined corridor with its residency policy.',
  roles: ['admin'],
  request: z.strictObject({
    key: slug,
    name: z.string().trim().min(1, 'Name the corridor.').max(120),
    region: z.enum(REGIONS),
    policy: residencyPolicySchema,
  }),
  response: z.object({ corridor: corridorSchema }),
});

export const gridUpdatePolicy = command('grid.updatePolicy', {
  summary: 'Change a corridor’s residency policy; refused if existing sites would break it.',
  roles: ['admin'],
  request: z.strictObject({ corridorId: z.uuid(), policy: residencyPolicySchema, reason: z.string().trim().min(3, 'Say why the policy changes.').max(2000) }),
  response: z.object({ corridor: corridorSchema }),
});

export const gridCreateSite = command('grid.createSite', {
  summary: 'Add a site to a corridor; refused where the corridor’s residency policy does not allow its country.',
  request: z.strictObject({
    corridorId: z.uuid(),
    key: slug,
    name: z.string().trim().min(1, 'Name the site.').max(120),
    kind: z.enum(SITE_KINDS),
    country: countryCode,
    city: z.string().trim().max(120).default(''),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    ownerName: z.string().trim().min(1, 'Who owns the site (for owner reports)?').max(200),
  }),
  response: z.object({ site: siteSchema }),
});

export const gridSetSiteSafety = command('grid.setSiteSafety', {
  summary: 'Record the state of a site’s safety checklist (passed only after a completed, passed site safety checklist run).',
  request: z.strictObject({ siteId: z.uuid(), state: z.enum(SAFETY_STATES) }),
  response: z.object({ site: siteSchema }),
});

export const gridCreateNodeGroup = command('grid.createNodeGroup', {
  summary: 'Add a node group (a pool of nodes) to a site.',
  request: z.strictObject({ siteId: z.uuid(), key: slug, name: z.string().trim().min(1).max(120) }),
  response: z.object({ nodeGroup: nodeGroupSchema }),
});

export const nodesList = query('nodes.list', {
  summary: 'Every node with its lifecycle, health and latest figures.',
  request: empty,
  response: z.object({ nodes: z.array(nodeRowSchema), at: isoTime }),
});

/** What every key shows, node or customer (one key module): never the key, never its hash. */
export const keyStandingShape = {
  id: z.uuid(),
  prefix: z.string(),
  label: z.string(),
  status: z.enum(['active', 'grace', 'rotated_out', 'revoked', 'expired']),
  createdAt: isoTime,
  createdBy: z.string().nullable(),
  expiresAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
  /** Who revoked it (their display name), from the key's record; null when not revoked. */
  revokedBy: z.string().nullable(),
  revokeReason: z.string().nullable(),
  graceUntil: isoTime.nullable(),
  supersededBy: z.uuid().nullable(),
  lastUsedAt: isoTime.nullable(),
  lastUsedSource: z.string().nullable(),
  useCount: z.number().int(),
  /** Works, but unused (or never used) for the stale period. */
  stale: z.boolean(),
};

export const nodeKeySchema = z.object({
  ...keyStandingShape,
  nodeId: z.uuid(),
  hostname: z.string(),
  /** Calls refused with this key (revoked, expired, rotated out, bad samples…), and the latest. */
  rejectedCalls: z.number().int(),
  lastRejectedAt: isoTime.nullable(),
});
export type NodeKey = z.infer<typeof nodeKeySchema>;

export const nodesGet = query('nodes.get', {
  summary: 'One node: details, keys, allowed lifecycle moves and its audit history.',
  request: z.strictObject({ nodeId: z.uuid() }),
  response: z.object({
    node: nodeRowSchema.extend({ siteName: z.string(), corridorName: z.string(), nodeGroupName: z.string(), country: z.string() }),
    keys: z.array(nodeKeySchema),
    allowedTransitions: z.array(z.enum(LIFECYCLES)),
    audit: z.array(auditEventSchema),
  }),
});

export const TELEMETRY_WINDOWS = ['1h', '24h'] as const;
export const seriesSchema = z.object({
  metric: z.string(),
  label: z.string(),
  unit: z.string(),
  /** Bucket starts, seconds since the epoch (UTC). */
  t: z.array(z.number()),
  avg: z.array(z.number().nullable()),
  min: z.array(z.number().nullable()),
  max: z.array(z.number().nullable()),
});
export type Series = z.infer<typeof seriesSchema>;

export const nodesTelemetry = query('nodes.telemetry', {
  summary: 'A node’s telemetry from the one-minute rollups: last hour by minute, last day by 5 minutes.',
  request: z.strictObject({ nodeId: z.uuid(), window: z.enum(TELEMETRY_WINDOWS) }),
  response: z.object({ from: isoTime, to: isoTime, stepSeconds: z.number().int(), series: z.array(seriesSchema) }),
});

export const nodesRegister = command('nodes.register', {
  summary: 'Register a node at a site, in one of its node groups.',
  request: z.strictObject({
    siteId: z.uuid(),
    nodeGroupId: z.uuid(),
    hostname: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/, 'A host name: letters, digits, dots and dashes.'),
    runtimeGroup: z.enum(RUNTIME_GROUPS),
    gpuModel: z.string().trim().min(1, 'Which GPU (e.g. H100 80GB)?').max(80),
    gpuCount: z.number().int().min(1, 'A GPU node has at least one GPU.').max(64),
    gpuMemoryGb: z.number().int().min(0).max(4096),
    capacityTokensPerS: z.number().int().min(0).max(100_000_000),
  }),
  response: z.object({ node: nodeRowSchema }),
});

export const nodesTransition = command('nodes.transition', {
  summary: 'Move a node through its lifecycle (registered → active → draining → offline → retired).',
  request: z.strictObject({
    nodeId: z.uuid(),
    to: z.enum(LIFECYCLES),
    reason: z.string().trim().min(3, 'Say why, in a few words (at least 3 characters).').max(2000),
  }),
  response: z.object({ node: nodeRowSchema }),
});

const idsEvent = z.object({ ids: z.array(z.string()), truncated: z.boolean() });
export const nodesChanged = topic('nodes.changed', {
  summary: 'Nodes were registered or changed lifecycle (ids, coalesced).',
  params: empty,
  event: idsEvent,
});
export const sitesChanged = topic('sites.changed', {
  summary: 'Sites were added or changed (ids, coalesced).',
  params: empty,
  event: idsEvent,
});
