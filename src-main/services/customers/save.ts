/**
 * Saving a customer: the one write path for mc.customers, used by customers.save (every field)
 * and by the SLA view's older sla.saveCustomer (which leaves the commercial terms as they are).
 * The contract has checked shapes and ranges; here what needs the org's records: the home
 * corridor, the SLA policy, reserved nodes and allowed corridors must exist in this org.
 */
import { McError } from '../../../src-shared/contract/errors';
import type { Contact, CustomerInput, CustomerRecord } from '../../../src-shared/contract/customers';
import type { Tier } from '../../../src-shared/domain/routing/types';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { getCustomerRecord } from './read';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

export interface Placement {
  id: string | null;
  key: string;
  name: string;
  tier: Tier;
  homeCorridorId: string;
  slaPolicyId: string | null;
  reservedNodeIds: string[];
}

export type Terms = Omit<CustomerInput, keyof Placement | 'reason'>;

/** Contacts are people: the audit chain (append-only) names them by name and role, never their email or phone. */
const forAudit = (c: ReturnType<typeof comparable>) => ({ ...c, contacts: c.contacts.map((x) => `${x.name} (${x.role})`) });

/** What an audit event and a change comparison see: the stored fields, without counts. */
function comparable(c: CustomerRecord) {
  return {
    key: c.key,
    name: c.name,
    tier: c.tier,
    homeCorridorId: c.homeCorridorId,
    slaPolicyId: c.slaPolicyId,
    reservedNodeIds: [...c.reservedNodeIds].sort(),
    requestsPerMin: c.limits.requestsPerMin,
    tokensPerMin: c.limits.tokensPerMin,
    monthlyTokenQuota: c.limits.monthlyTokenQuota,
    maxConcurrency: c.limits.maxConcurrency,
    committedRequestsPerMin: c.committed.requestsPerMin,
    committedTokensPerMin: c.committed.tokensPerMin,
    allowedCorridorIds: c.allowedCorridors.map((x) => x.id).sort(),
    contacts: c.contacts,
  };
}

async function checkRefs(sql: Sql, p: Placement, allowed: readonly string[]): Promise<string[]> {
  if (!(await sql.maybeOne('SELECT 1 FROM mc.corridors WHERE id = $1', [p.homeCorridorId]))) {
    throw new McError('VALIDATION', 'That home corridor does not exist in this org: pick one from the list.', { homeCorridorId: 'Not a corridor of this org.' });
  }
  if (p.slaPolicyId && !(await sql.maybeOne('SELECT 1 FROM mc.sla_policies WHERE id = $1', [p.slaPolicyId]))) {
    throw new McError('VALIDATION', 'That SLA policy does not exist in this org: pick one, or none to use the tier’s default.', { slaPolicyId: 'Not an SLA policy of this org.' });
  }
  if (allowed.length) {
    const found = await sql.query<{ id: string }>('SELECT id FROM mc.corridors WHERE id = ANY($1::uuid[])', [allowed]);
    const missing = allowed.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) {
      throw new McError('VALIDATION', `${missing.length === 1 ? 'An allowed corridor does' : `${missing.length} allowed corridors do`} not exist in this org: pick corridors from the list.`, {
        allowedCorridorIds: 'Only corridors of this org.',
      });
    }
  }
  const reserved = [...new Set(p.reservedNodeIds)];
  if (reserved.length) {
    const n = await sql.one<{ n: number }>('SELECT count(*)::int AS n FROM mc.nodes WHERE id = ANY($1::uuid[])', [reserved]);
    if (n.n !== reserved.length) throw new McError('NOT_FOUND', 'A reserved node does not exist in this org.');
    // A reserved node serves its customer only: reserving it twice would make it serve neither rule.
    const taken = await sql.query<{ hostname: string; name: string }>(
      `SELECT n.hostname, cu.name FROM mc.node_reservations r JOIN mc.nodes n ON n.id = r.node_id JOIN mc.customers cu ON cu.id = r.customer_id
        WHERE r.node_id = ANY($1::uuid[]) AND ($2::uuid IS NULL OR r.customer_id <> $2)`,
      [reserved, p.id],
    );
    if (taken.length) throw new McError('CONFLICT', `${taken.map((t) => `${t.hostname} is reserved for ${t.name}`).join('; ')}.`);
  }
  if (p.tier === 'sovereign' && reserved.length === 0) {
    throw new McError('VALIDATION', 'A sovereign customer runs only on nodes reserved for it: reserve at least one node in its home corridor.', { reservedNodeIds: 'Reserve at least one node.' });
  }
  return reserved;
}

/**
 * Create or change a customer. `terms` undefined keeps the stored commercial terms (a change
 * through the SLA view) or takes the defaults (a new customer there): null limits, nothing
 * committed, every corridor, no contacts.
 */
function pick<T extends object>(o: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Partial<T>;
}

export async function saveCustomer(sql: Sql, p: Placement, terms: Terms | undefined, audit: Audit, unchanged: () => void): Promise<CustomerRecord> {
  const before = p.id ? await getCustomerRecord(sql, p.id) : null;
  if (before && before.key !== p.key) {
    throw new McError('VALIDATION', 'A customer’s key cannot change (keys, decisions and usage name it); create a new customer instead.', { key: `The key stays ${before.key}.` });
  }
  const t: Terms = terms ?? {
    requestsPerMin: before?.limits.requestsPerMin ?? null,
    tokensPerMin: before?.limits.tokensPerMin ?? null,
    monthlyTokenQuota: before?.limits.monthlyTokenQuota ?? null,
    maxConcurrency: before?.limits.maxConcurrency ?? null,
    committedRequestsPerMin: before?.committed.requestsPerMin ?? 0,
    committedTokensPerMin: before?.committed.tokensPerMin ?? 0,
    allowedCorridorIds: before?.allowedCorridors.map((c) => c.id) ?? [],
    contacts: before?.contacts ?? [],
  };
  // A home corridor moved through the SLA view must stay inside a narrowed list, as customers.save insists.
  if (t.allowedCorridorIds.length > 0 && !t.allowedCorridorIds.includes(p.homeCorridorId)) {
    throw new McError('VALIDATION', 'The allowed corridors must include the home corridor (or be empty: every corridor the policy allows). Change them in Customers first.', {
      allowedCorridorIds: 'Include the home corridor.',
    });
  }
  const reserved = await checkRefs(sql, p, t.allowedCorridorIds);
  const contacts: Contact[] = t.contacts.map((c) => (c.phone ? c : { name: c.name, role: c.role, email: c.email }));
  const values = [
    p.name,
    p.tier,
    p.homeCorridorId,
    p.slaPolicyId,
    t.requestsPerMin,
    t.tokensPerMin,
    t.monthlyTokenQuota,
    t.maxConcurrency,
    t.committedRequestsPerMin,
    t.committedTokensPerMin,
    t.allowedCorridorIds,
    JSON.stringify(contacts),
  ];
  let id: string;
  if (before && p.id) {
    id = p.id;
    await sql.query(
      `UPDATE mc.customers SET name = $2, tier = $3, home_corridor_id = $4, sla_policy_id = $5, requests_per_min = $6, tokens_per_min = $7,
              monthly_token_quota = $8, max_concurrency = $9, committed_requests_per_min = $10, committed_tokens_per_min = $11,
              allowed_corridor_ids = $12::uuid[], contacts = $13::jsonb
        WHERE id = $1`,
      [id, ...values],
    );
  } else {
    if (await sql.maybeOne('SELECT 1 FROM mc.customers WHERE key = $1', [p.key])) {
      throw new McError('CONFLICT', `A customer with key ${p.key} exists already: open it in Customers, or choose another key.`, { key: 'Taken.' });
    }
    id = (
      await sql.one<{ id: string }>(
        `INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id, sla_policy_id, requests_per_min, tokens_per_min, monthly_token_quota,
                                   max_concurrency, committed_requests_per_min, committed_tokens_per_min, allowed_corridor_ids, contacts)
         VALUES (mc.current_org_id(), $13, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::uuid[], $12::jsonb) RETURNING id`,
        [...values, p.key],
      )
    ).id;
  }
  await sql.query('DELETE FROM mc.node_reservations WHERE customer_id = $1 AND NOT (node_id = ANY($2::uuid[]))', [id, reserved]);
  if (reserved.length) {
    await sql.query(`INSERT INTO mc.node_reservations (org_id, node_id, customer_id) SELECT mc.current_org_id(), unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING`, [reserved, id]);
  }
  const after = await getCustomerRecord(sql, id);
  if (before) {
    const b = comparable(before);
    const a = comparable(after);
    const changed = (Object.keys(a) as (keyof typeof a)[]).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    if (changed.length === 0) unchanged();
    else {
      await audit({
        action: 'customers.changed',
        target: { type: 'customer', id },
        data: { customer: after.name, changed, before: pick(forAudit(b), changed), after: pick(forAudit(a), changed) },
      });
    }
  } else {
    await audit({ action: 'customers.created', target: { type: 'customer', id }, data: { ...forAudit(comparable(after)), id } });
  }
  return after;
}
