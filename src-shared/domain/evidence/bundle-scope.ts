/**
 * What an evidence bundle covers: the whole org over a period (`to` exclusive), one incident (or
 * drill incident) and its record, one failover drill with its steps and incident, one customer
 * pilot and the records of its operating principle, or one corridor (its policy, grid, pilots,
 * incidents, drills and what was served there). The same words in the README, the report and the
 * file name.
 */
export type BundleScope =
  | { kind: 'period'; from: string; to: string }
  | { kind: 'incident'; incidentId: string }
  | { kind: 'pilot'; pilotId: string }
  /**
   * `name`: the drill's name as its records say at export ("Site FRA-01 — “hypothesis”"), written
   * into the manifest by the exporter (a request cannot set it), so README, report and the opened
   * bundle name the drill rather than show a bare id.
   */
  | { kind: 'drill'; drillId: string; name?: string }
  | { kind: 'corridor'; corridorId: string };

/** A sentence's object: "the whole org from … until …", "incident … and its record". */
export function scopeText(scope: BundleScope): string {
  switch (scope.kind) {
    case 'period':
      return `the whole org from ${scope.from} until ${scope.to}`;
    case 'incident':
      return `incident ${scope.incidentId} and its record`;
    case 'pilot':
      return `customer pilot ${scope.pilotId}: its gates, the records of its corridor and customer, and the audit events about them`;
    case 'drill':
      return `failover drill ${scope.name ? `${scope.name} (${scope.drillId})` : scope.drillId}: its steps, the nodes it drained and their sites, its drill incident, the routing decisions and evidence it made, and the audit events about them`;
    case 'corridor':
      return `corridor ${scope.corridorId}: its residency policy and sites, its nodes and their keys, its pilots, the incidents that touched it, its drills, checklists, deployments and evidence, its customers and the routing decisions served there, and the audit events about them`;
  }
}

/** A heading: "The whole org, … to …", "Incident …", "Customer pilot …". */
export function scopeTitle(scope: BundleScope): string {
  switch (scope.kind) {
    case 'period':
      return `The whole org, ${scope.from} to ${scope.to}`;
    case 'incident':
      return `Incident ${scope.incidentId}`;
    case 'pilot':
      return `Customer pilot ${scope.pilotId}`;
    case 'drill':
      return scope.name ? `Failover drill: ${scope.name}` : `Failover drill ${scope.drillId}`;
    case 'corridor':
      return `Corridor ${scope.corridorId}`;
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
