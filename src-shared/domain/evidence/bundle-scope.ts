/**
 * What an evidence bundle covers: the whole org over a period (`to` exclusive), one incident (or
 * drill incident) and its record, one failover drill with its steps and incident, one customer
 * pilot and the records of its operating principle, or one corridor (its policy, grid, pilots,
 * incidents, drills and what was served there).
 *
 * `name`: the scope's own record in words at export (the incident's ref and title, the drill's
 * scope and hypothesis, the pilot's customer and tier, the corridor's name, the org's name for a
 * period), written into the manifest by the exporter only (a request cannot carry it). README,
 * report.html and the app's "Open evidence bundle" all title the bundle with `scopeTitle`, so they
 * say the same words. Bundles exported before every scope was named carry it for drills only.
 */
export type BundleScope =
  | { kind: 'period'; from: string; to: string; name?: string }
  | { kind: 'incident'; incidentId: string; name?: string }
  | { kind: 'pilot'; pilotId: string; name?: string }
  | { kind: 'drill'; drillId: string; name?: string }
  | { kind: 'corridor'; corridorId: string; name?: string };

/** The most characters a scope's name keeps (a title or hypothesis can be long). */
export const SCOPE_NAME_MAX = 240;

/** A record's words as a name: one line, trimmed, cut with an ellipsis. */
export function scopeName(words: string): string {
  const t = words.replace(/\s+/g, ' ').trim();
  return t.length <= SCOPE_NAME_MAX ? t : `${t.slice(0, SCOPE_NAME_MAX - 1)}…`;
}

/** A pilot's name as a bundle of it is named: its customer and tier. */
export const pilotScopeName = (customer: string, tier: string) => scopeName(`${customer} (${tier} tier)`);

/** A drill's name as a bundle of it is named: its scope and (the start of) its hypothesis. */
export function drillScopeName(scope: string, hypothesis: string): string {
  const h = scopeName(hypothesis);
  return scopeName(`${scope} — “${h.length <= 160 ? h : `${h.slice(0, 159)}…`}”`);
}

/** What the bundle holds, as the object of a sentence (ids, not the name: the title names it). */
export function scopeText(scope: BundleScope): string {
  switch (scope.kind) {
    case 'period':
      return `the org's records and audit events from ${scope.from} until ${scope.to} (the end excluded), with its grid, customers and policies as they are at export`;
    case 'incident':
      return `incident ${scope.incidentId} and its record`;
    case 'pilot':
      return `customer pilot ${scope.pilotId}: its gates, the records of its corridor and customer, and the audit events about them`;
    case 'drill':
      return `failover drill ${scope.drillId}: its steps, the nodes it drained and their sites, its drill incident, the routing decisions and evidence it made, and the audit events about them`;
    case 'corridor':
      return `corridor ${scope.corridorId}: its residency policy and sites, its nodes and their keys, its pilots, the incidents that touched it, its drills, checklists, deployments and evidence, its customers and the routing decisions served there, and the audit events about them`;
  }
}

/**
 * The bundle's title, named from its record when the manifest carries the name: "Incident INC-12:
 * EU corridor serves nothing", "Failover drill: Site FRA-01 — “…”", "Customer pilot Acme (enterprise
 * tier)", "Corridor EU", "The whole org (Acme Grid), … to … (end excluded)"; by id otherwise.
 */
export function scopeTitle(scope: BundleScope): string {
  const name = typeof scope.name === 'string' && scope.name.trim() !== '' ? scopeName(scope.name) : null;
  switch (scope.kind) {
    case 'period':
      return `The whole org${name ? ` (${name})` : ''}, ${scope.from} to ${scope.to} (end excluded)`;
    case 'incident':
      return name ? `Incident ${name}` : `Incident ${scope.incidentId}`;
    case 'pilot':
      return name ? `Customer pilot ${name}` : `Customer pilot ${scope.pilotId}`;
    case 'drill':
      return name ? `Failover drill: ${name}` : `Failover drill ${scope.drillId}`;
    case 'corridor':
      return name ? `Corridor ${name}` : `Corridor ${scope.corridorId}`;
  }
}

/** The part of a bundle's file name that says what it covers. */
export function scopeSlug(scope: BundleScope): string {
  switch (scope.kind) {
    case 'period':
      return `${scope.from.slice(0, 10)}_${scope.to.slice(0, 10)}`;
    case 'incident':
      return `incident-${scope.incidentId.slice(0, 8)}`;
    case 'pilot':
      return `pilot-${scope.pilotId.slice(0, 8)}`;
    case 'drill':
      return `drill-${scope.drillId.slice(0, 8)}`;
    case 'corridor':
      return `corridor-${scope.corridorId.slice(0, 8)}`;
  }
}
