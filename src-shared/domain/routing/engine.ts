/**
 * The routing engine: a pure function of a snapshot index and a request. Residency is decided
 * first and fails closed: nothing after it (score, fallback, failover rule) ever sees a candidate
 * that residency removed, and the model is never swapped.
 */
import { networkMs } from './distance';
import { explainNoNode } from './explain';
import { type Entry, type Group, STATIC_REASONS, type SnapshotIndex, entryBefore, upperBound } from './snapshot-index';
import type { ChosenNode, CorridorInfo, RejectReason, RoutingDecision, RoutingRequest } from './types';
import { REJECT_REASONS } from './types';

export function isRegulated(req: RoutingRequest, home: CorridorInfo | undefined): boolean {
  const cls = req.workloadClass.trim().toLowerCase();
  return cls === 'regulated' || (home?.policy.regulatedWorkloads.some((w) => w.toLowerCase() === cls) ?? false);
}

/**
 * Corridors the request may be served in, home first. Sovereign and regulated traffic never
 * leaves the home corridor; other traffic may use the SLA's named fallback corridor, and only
 * when that corridor's policy does not block the request's origin.
 */
export function allowedCorridors(req: RoutingRequest, index: SnapshotIndex, regulated: boolean): string[] {
  const home = index.corridors.get(req.homeCorridorId);
  if (!home) return [];
  const out = [home.id];
  if (req.tier === 'sovereign' || regulated) return out;
  if (req.sla.failover.kind === 'fallback_corridor' && req.sla.failover.corridorId !== home.id) {
    const fb = index.corridors.get(req.sla.failover.corridorId);
    // The allowed list says where a corridor's sites may be; its blocked list also refuses traffic from there.
    if (fb && !fb.policy.blockedCountries.includes(req.origin.country.toUpperCase())) out.push(fb.id);
  }
  return out;
}

/** The corridors left once the customer's allowed list (if any) has narrowed `allowed`; order kept, home first. */
export function customerNarrowed(req: RoutingRequest, allowed: readonly string[]): string[] {
  const own = req.allowedCorridorIds;
  return own && own.length > 0 ? allowed.filter((id) => own.includes(id)) : [...allowed];
}

/** Site-level residency: the home corridor's policy says where the customer's data may be processed. */
function siteAllowed(g: Group, home: CorridorInfo, regulated: boolean): boolean {
  if (home.policy.blockedCountries.includes(g.siteCountry)) return false;
  if (regulated && home.policy.allowedCountries.length > 0 && !home.policy.allowedCountries.includes(g.siteCountry)) return false;
  return true;
}

interface Best {
  e: Entry;
  g: Group;
  net: number;
  score: number;
}

function better(a: Best, b: Best | null): boolean {
  if (!b) return true;
  if (a.score !== b.score) return a.score < b.score;
  return entryBefore(a.e, b.e);
}

function chosen(b: Best, index: SnapshotIndex): ChosenNode {
  const corridor = index.corridors.get(b.g.corridorId);
  return {
    nodeId: b.e.c.nodeId,
    hostname: b.e.c.hostname,
    runtimeId: b.e.c.runtimeId,
    siteId: b.g.siteId,
    siteName: b.g.siteName,
    corridorId: b.g.corridorId,
    corridorName: corridor?.name ?? b.g.corridorId,
    estimatedLatencyMs: Math.round((b.net + (b.e.c.p95LatencyMs ?? 0)) * 100) / 100,
    score: b.score,
  };
}

export function route(index: SnapshotIndex, req: RoutingRequest): RoutingDecision {
  const removed = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  const home = index.corridors.get(req.homeCorridorId);
  const regulated = isRegulated(req, home);
  const mi = index.byModel.get(req.model);
  removed.model_not_served = index.total - (mi?.count ?? 0);
  const policy = index.policies.get(req.model);
  const offered = !policy || (policy.allowedTiers.includes(req.tier) && (!regulated || policy.regulatedOk));
  // Not offered: every candidate serving the model is removed here, before residency looks at any.
  const allowed = offered ? allowedCorridors(req, index, regulated) : [];
  // The customer's own list narrows what residency and the failover rule allow, after them.
  const narrowed = customerNarrowed(req, allowed);
  if (!offered) removed.model_not_offered = mi?.count ?? 0;
  // Per corridor: the best candidate of each site, so the fallback can prefer another site.
  const perCorridor = new Map<string, Map<string, Best>>();
  let eligible = 0;
  if (mi && offered) {
    for (const [corridorId, cg] of mi.byCorridor) {
      if (!home || !allowed.includes(corridorId)) {
        removed.residency += cg.count;
        continue;
      }
      if (!narrowed.includes(corridorId)) {
        removed.customer_corridors += cg.count;
        continue;
      }
      const sites = new Map<string, Best>();
      perCorridor.set(corridorId, sites);
      for (const g of cg.groups) {
        if (!siteAllowed(g, home, regulated)) {
          removed.residency += g.size;
          continue;
        }
        const reservedOk = req.tier === 'sovereign' ? g.reservedFor.includes(req.customerId) : g.reservedFor.length === 0 || g.reservedFor.includes(req.customerId);
        if (!reservedOk) {
          removed.reservation += g.size;
          continue;
        }
        if (g.contextLength !== null && g.contextLength < req.estimatedTokens) {
          removed.context_too_short += g.size;
          continue;
        }
        for (const r of STATIC_REASONS) removed[r] += g.staticRemoved[r];
        const net = networkMs(req.origin, { country: g.siteCountry, lat: g.siteLat, lon: g.siteLon });
        const k = upperBound(g.entries, req.sla.p95TargetMs - net);
        removed.over_sla_p95 += g.entries.length - k;
        eligible += k;
        if (k === 0) continue;
        const e = g.entries[g.prefixBest[k - 1] as number] as Entry;
        const cand: Best = { e, g, net, score: Math.round((net + e.baseScore) * 100) / 100 };
        if (better(cand, sites.get(g.siteId) ?? null)) sites.set(g.siteId, cand);
      }
    }
  }
  const ranked = (corridorId: string): Best[] =>
    [...(perCorridor.get(corridorId)?.values() ?? [])].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const homeRanked = home && narrowed.includes(home.id) ? ranked(home.id) : [];
  const fbId = narrowed.find((id) => id !== home?.id) ?? null;
  const fbRanked = fbId ? ranked(fbId) : [];
  const funnel = REJECT_REASONS.map((reason) => ({ reason, removed: removed[reason] }));
  const base = { funnel, considered: index.total, regulated };
  let selected: Best | null = null;
  let fallback: Best | null = null;
  let policyReason: string;
  const fo = req.sla.failover.kind;
  if (homeRanked.length > 0) {
    selected = homeRanked[0] as Best;
    if (fo === 'fallback_corridor' && fbRanked.length > 0) fallback = fbRanked[0] as Best;
    else if (fo !== 'none') fallback = homeRanked[1] ?? null;
    policyReason = `Served in the home corridor ${home?.name}: lowest estimated latency and load among ${homeRanked.length} eligible site${homeRanked.length === 1 ? '' : 's'} within the ${req.sla.name} p95 target of ${req.sla.p95TargetMs} ms.`;
  } else if (fbRanked.length > 0) {
    selected = fbRanked[0] as Best;
    fallback = fbRanked[1] ?? null;
    policyReason =
      home && !narrowed.includes(home.id)
        ? `The home corridor ${home.name} is outside ${req.customerName}’s allowed corridors; the ${req.sla.name} failover rule names ${index.corridors.get(fbId as string)?.name}, whose policy allows this origin.`
        : `No eligible node in the home corridor ${home?.name}; the ${req.sla.name} failover rule names ${index.corridors.get(fbId as string)?.name}, whose policy allows this origin.`;
  } else {
    return {
      ...base,
      corridorId: null,
      region: null,
      selected: null,
      fallback: null,
      eligible: 0,
      policyReason: 'No node possible.',
      explanation: explainNoNode(index, req, regulated, allowed, narrowed, removed),
    };
  }
  const corridor = index.corridors.get(selected.g.corridorId);
  return {
    ...base,
    corridorId: selected.g.corridorId,
    region: corridor?.region ?? null,
    selected: chosen(selected, index),
    fallback: fallback ? chosen(fallback, index) : null,
    eligible,
    policyReason:
      fallback === null
        ? `${policyReason} No fallback: ${fo === 'none' ? 'the SLA’s failover rule is none' : 'no other eligible site'}.`
        : policyReason,
    explanation: null,
  };
}
