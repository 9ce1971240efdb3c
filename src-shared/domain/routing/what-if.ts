/**
 * What if a site, corridor or runtime went down: the same requests routed on the snapshot with
 * those marked down, compared decision by decision. Pure, so the view and a drill agree.
 */
import { route } from './engine';
import { buildIndex } from './snapshot-index';
import type { RoutingDecision, RoutingRequest, RoutingSnapshot } from './types';

export interface Outage {
  siteIds: readonly string[];
  corridorIds: readonly string[];
  runtimeIds: readonly string[];
}

export function withOutage(snapshot: RoutingSnapshot, outage: Outage): RoutingSnapshot {
  const down = (c: RoutingSnapshot['candidates'][number]) =>
    outage.siteIds.includes(c.siteId) || outage.corridorIds.includes(c.corridorId) || outage.runtimeIds.includes(c.runtimeId);
  // Everything but the candidates' health carries over: the model catalog's tier and regulated-work
  // rules still apply after an outage (dropping them let a what-if route where the live engine would not).
  return { ...snapshot, candidates: snapshot.candidates.map((c) => (down(c) ? { ...c, runtimeHealth: 'down' as const } : c)) };
}

export interface WhatIfRow {
  request: RoutingRequest;
  before: RoutingDecision;
  after: RoutingDecision;
  outcome: 'unchanged' | 'moved' | 'lost' | 'still_unserved';
}

export function whatIf(snapshot: RoutingSnapshot, outage: Outage, requests: readonly RoutingRequest[]): WhatIfRow[] {
  const beforeIdx = buildIndex(snapshot);
  const afterIdx = buildIndex(withOutage(snapshot, outage));
  return requests.map((request) => {
    const before = route(beforeIdx, request);
    const after = route(afterIdx, request);
    const outcome = !before.selected
      ? 'still_unserved'
      : !after.selected
        ? 'lost'
        : before.selected.nodeId === after.selected.nodeId && before.selected.runtimeId === after.selected.runtimeId
          ? 'unchanged'
          : 'moved';
    return { request, before, after, outcome };
  });
}
