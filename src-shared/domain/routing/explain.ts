/** The sentence an operator reads when no node can take a request: the rule that removed the last candidates, with numbers. */
import type { SnapshotIndex } from './snapshot-index';
import type { RejectReason, RoutingRequest } from './types';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function explainNoNode(
  index: SnapshotIndex,
  req: RoutingRequest,
  regulated: boolean,
  policyAllowed: readonly string[],
  allowed: readonly string[],
  removed: Record<RejectReason, number>,
): string {
  const home = index.corridors.get(req.homeCorridorId);
  if (!home) return `The customer’s home corridor is unknown in this snapshot, so no residency policy can be checked; nothing is routed.`;
  const mi = index.byModel.get(req.model);
  if (!mi || mi.count === 0) return `No node in any corridor serves ${req.model}.`;
  if (removed.model_not_offered > 0) {
    const policy = index.policies.get(req.model);
    return policy && !policy.allowedTiers.includes(req.tier)
      ? `${req.model} is not offered to the ${req.tier} tier (model catalog: ${policy.allowedTiers.join(', ') || 'no tier'}); ${mi.count} node${mi.count === 1 ? ' serves' : 's serve'} it.`
      : `${req.model} is not declared suitable for regulated workloads in the model catalog, and ${req.workloadClass} is regulated in ${home.name}.`;
  }
  const nameOf = (id: string) => index.corridors.get(id)?.name ?? id;
  const allowedNames = allowed.map(nameOf).join(' or ');
  const inAllowed = allowed.reduce((n, id) => n + (mi.byCorridor.get(id)?.count ?? 0), 0);
  if (inAllowed === 0 && (removed.customer_corridors > 0 || allowed.length === 0)) {
    // Residency and the failover rule would have allowed nodes (or corridors); the customer's own list took them away.
    const own = (req.allowedCorridorIds ?? []).map(nameOf).join(', ');
    const cut = policyAllowed.filter((id) => !allowed.includes(id) && (mi.byCorridor.get(id)?.count ?? 0) > 0).map(nameOf);
    const rest = allowed.length === 0 ? 'residency and the failover rule allow none of them' : `no ${allowedNames} node serves it`;
    if (cut.length === 0) return `${req.customerName}’s allowed corridors are ${own}, and ${rest}; nothing is routed.`;
    const n = removed.customer_corridors;
    return `${plural(n, `${cut.join(' or ')} node`)} serve${n === 1 ? 's' : ''} ${req.model}, but ${req.customerName}’s allowed corridors are ${own}, and ${rest}.`;
  }
  if (inAllowed === 0) {
    const elsewhere = [...mi.byCorridor.values()]
      .filter((cg) => !allowed.includes(cg.corridor.id))
      .sort((a, b) => b.count - a.count || a.corridor.name.localeCompare(b.corridor.name))
      .map((cg) => `${cg.count} ${cg.corridor.name}`);
    const others = mi.count;
    const why =
      req.tier === 'sovereign'
        ? `a sovereign customer never leaves ${home.name}`
        : regulated
          ? `the customer’s residency policy keeps ${req.workloadClass} (regulated) workloads in ${home.name}`
          : req.sla.failover.kind === 'fallback_corridor'
            ? `the ${req.sla.name} failover rule allows only ${allowedNames}`
            : `the ${req.sla.name} failover rule keeps traffic in ${home.name}`;
    return `No ${allowedNames} node serves ${req.model}; ${elsewhere.join(', ')} node${others === 1 ? ' does' : 's do'}, but ${why}.`;
  }
  const parts = (
    [
      ['residency', 'in countries the residency policy blocks'],
      ['customer_corridors', `in corridors outside ${req.customerName}’s allowed corridors (${(req.allowedCorridorIds ?? []).map(nameOf).join(', ')})`],
      ['reservation', req.tier === 'sovereign' ? 'not reserved for this customer' : 'reserved for other customers'],
      ['context_too_short', `with a context window shorter than ${req.estimatedTokens} tokens`],
      ['lifecycle', 'not active (draining, offline or not yet activated)'],
      ['unhealthy', 'unhealthy or not reporting'],
      ['circuit_open', 'behind an open circuit breaker'],
      ['over_capacity', 'over capacity'],
      ['over_sla_p95', `slower than the ${req.sla.name} p95 target of ${req.sla.p95TargetMs} ms from ${req.origin.country}`],
    ] as const
  )
    .filter(([r]) => removed[r] > 0)
    .map(([r, text]) => `${removed[r]} ${text}`);
  return `${plural(inAllowed, `${allowedNames} node`)} ${inAllowed === 1 ? 'serves' : 'serve'} ${req.model}, but none can take this request: ${parts.join('; ')}.`;
}
