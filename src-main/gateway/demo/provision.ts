/**
 * What the demo gateway needs in the embedded demo org, made through the same services an operator
 * uses (so each step is audited like theirs): simulated runtimes on a few demo nodes, one demo
 * customer with limits and a commitment, and its test-mode key. Everything it makes says
 * "(simulated)" or "Demo" in its name; re-running finds what an earlier start made.
 */
import { visiblePrefix } from '../../../src-shared/domain/api-key';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../../services/audit';
import { deliveryAccount, heldCustomerKeys, revealSecret } from '../../services/credentials';
import { hashKey, VALID_KEY_SQL } from '../../services/keys';
import { saveCustomer } from '../../services/customers/save';
import { issueCustomerKey } from '../../services/keys/customer-keys';
import { connect } from '../../services/runtimes/runtimes';
import { installDefaults } from '../../services/sla/sla';
import type { Vault } from '../../vault';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

export type DemoRuntimeKind = 'vllm' | 'ollama';

/** One runtime per entry, on the first active node of that corridor and runtime group. */
export const DEMO_RUNTIMES: readonly { corridor: string; kind: DemoRuntimeKind }[] = [
  { corridor: 'eu', kind: 'vllm' },
  { corridor: 'eu', kind: 'ollama' },
  { corridor: 'north-america', kind: 'vllm' },
  { corridor: 'apac', kind: 'vllm' },
];

/** The EU demo customer's key (the first demo customer, kept by installations that have it). */
export const DEMO_CUSTOMER_KEY = 'demo-traffic';

/**
 * One demo customer per corridor with a demo runtime, homed there: a customer's residency and
 * failover rule keep its traffic in its home corridor, so one customer homed in the EU could never
 * be served by the North American or APAC runtimes (every such request was "no route").
 */
export function demoCustomerKey(corridorKey: string): string {
  return corridorKey === 'eu' ? DEMO_CUSTOMER_KEY : `${DEMO_CUSTOMER_KEY}-${corridorKey}`;
}

export interface DemoRuntimePlan {
  kind: DemoRuntimeKind;
  corridor: string;
  /** Countries a request may come from to be served in this corridor (its residency list). */
  countries: string[];
  nodeId: string;
  name: string;
  /** The runtime an earlier start registered (its port is tried again), if any. */
  existing: { id: string; port: number; enabled: boolean } | null;
}

export async function planDemoRuntimes(sql: Sql): Promise<DemoRuntimePlan[]> {
  const out: DemoRuntimePlan[] = [];
  for (const spec of DEMO_RUNTIMES) {
    const node = await sql.maybeOne<{ id: string; hostname: string; countries: string[] }>(
      `SELECT n.id, n.hostname, c.allowed_countries AS countries
         FROM mc.nodes n JOIN mc.sites s ON s.id = n.site_id JOIN mc.corridors c ON c.id = s.corridor_id
        WHERE c.key = $1 AND n.runtime_group = $2 AND n.lifecycle = 'active'
        ORDER BY n.hostname LIMIT 1`,
      [spec.corridor, spec.kind],
    );
    if (!node) continue;
    const name = `Demo ${spec.kind === 'vllm' ? 'vLLM' : 'Ollama'} on ${node.hostname} (simulated)`;
    const row = await sql.maybeOne<{ id: string; base_url: string; enabled: boolean }>(
      'SELECT id, base_url, enabled FROM mc.runtimes WHERE name = $1 AND node_id = $2 ORDER BY created_at DESC LIMIT 1',
      [name, node.id],
    );
    const port = row ? Number(new URL(row.base_url).port) : 0;
    out.push({ ...spec, countries: node.countries, nodeId: node.id, name, existing: row ? { id: row.id, port, enabled: row.enabled } : null });
  }
  return out;
}

/**
 * Register the runtime a fake now answers for. A fake that got its earlier port back keeps its
 * runtime; one that did not gets a new runtime and the old one is disabled (an address cannot be
 * changed in place: decisions and counters name the runtime at its address).
 */
export async function registerDemoRuntime(
  sql: Sql,
  vault: Vault,
  who: { orgId: string; operatorId: string },
  plan: DemoRuntimePlan,
  url: string,
  audit: Audit,
): Promise<string> {
  if (plan.existing && new URL(url).port === String(plan.existing.port)) return plan.existing.id;
  if (plan.existing?.enabled) await sql.query('UPDATE mc.runtimes SET enabled = false WHERE id = $1', [plan.existing.id]);
  const rt = await connect(sql, vault, who.orgId, { nodeId: plan.nodeId, name: plan.name, baseUrl: url, kind: plan.kind, runtimeGroup: plan.kind, apiKey: null, operatorId: who.operatorId }, audit);
  return rt.id;
}

/**
 * A corridor's demo customer (enterprise, homed in that corridor, 120 requests/min with 30
 * committed) and a test-mode key whose secret only the keychain holds. A key an operator revoked
 * or rotated is replaced by a new one, so the demo never sends a key the gateway must refuse.
 */
export async function ensureDemoCustomer(
  sql: Sql,
  vault: Vault,
  keyAccount: string,
  /** Null: the app issues the key on its own, and the key list names it so (not a member). */
  operatorId: string | null,
  audit: Audit,
  corridorKey = 'eu',
): Promise<{ customerId: string; secret: string }> {
  const key = demoCustomerKey(corridorKey);
  let customer = await sql.maybeOne<{ id: string }>('SELECT id FROM mc.customers WHERE key = $1', [key]);
  if (!customer) {
    const home = await sql.maybeOne<{ id: string; name: string }>('SELECT id, name FROM mc.corridors WHERE key = $1', [corridorKey]);
    if (!home) throw new Error(`the demo org has no corridor "${corridorKey}"`);
    await installDefaults(sql, audit, () => undefined);
    const saved = await saveCustomer(
      sql,
      { id: null, key, name: `Demo traffic ${home.name} (simulated)`, tier: 'enterprise', homeCorridorId: home.id, slaPolicyId: null, reservedNodeIds: [] },
      {
        requestsPerMin: 120,
        tokensPerMin: 120_000,
        monthlyTokenQuota: null,
        maxConcurrency: 8,
        committedRequestsPerMin: 30,
        committedTokensPerMin: 20_000,
        allowedCorridorIds: [],
        contacts: [],
      },
      audit,
      () => undefined,
    );
    customer = { id: saved.id };
  }
  const held = await vault.get(keyAccount);
  if (held) {
    const usable = await sql.maybeOne(
      `SELECT 1 FROM mc.customer_keys WHERE customer_id = $1 AND prefix = $2 AND revoked_at IS NULL AND superseded_by IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [customer.id, visiblePrefix(held)],
    );
    if (usable) return { customerId: customer.id, secret: held };
  }
  const issued = await issueCustomerKey(sql, { customerId: customer.id, mode: 'test', label: 'demo gateway traffic', expiresInDays: null, operatorId }, audit);
  await vault.set(keyAccount, issued.secret);
  return { customerId: customer.id, secret: issued.secret };
}

/** Whether the gateway would accept this key now (the same rules as its check, no use recorded). */
async function accepted(sql: Sql, secret: string): Promise<boolean> {
  return (await sql.one<{ s: string }>(`SELECT mc.credential_key_standing('customer_key', NULL, $1) AS s`, [hashKey(secret)])).s === 'ok';
}

export interface CurrentDemoKey {
  /** The key to send from now on; null when the demo holds no key the gateway accepts. */
  secret: string | null;
  /** A rotation run's delivery copy taken: drop it from the keychain once the transaction commits. */
  deliveredItemId: string | null;
  /** Working keys the customer has (issued to a person: their secret was shown to them, not to the demo). */
  workingKeys: number;
}

/**
 * After the gateway refused a demo customer's key (revoked, rotated out, expired): the key a
 * well-behaved client would switch to. A new key a rotation run holds in this keychain for that
 * customer is taken first (revealed through the audited step, as the demo agent takes its nodes'
 * new keys) and kept as the demo's key; otherwise the demo's key in the keychain, if the gateway
 * accepts it and it is not the refused one. Never issues a key: an operator who revoked the demo's
 * key meant it to stop (the next start issues a new one, as it always did).
 */
export async function currentDemoKey(
  sql: Sql,
  vault: Vault,
  orgId: string,
  keyAccount: string,
  corridorKey: string,
  refused: string,
  audit: Audit,
): Promise<CurrentDemoKey> {
  const customer = await sql.maybeOne<{ id: string }>('SELECT id FROM mc.customers WHERE key = $1', [demoCustomerKey(corridorKey)]);
  if (!customer) return { secret: null, deliveredItemId: null, workingKeys: 0 };
  let deliveredItemId: string | null = null;
  for (const held of await heldCustomerKeys(sql, [customer.id])) {
    // A key this keychain does not hold (made on another workstation) stays held, for a person.
    if (!(await vault.get(deliveryAccount(orgId, held.itemId)))) continue;
    const r = await revealSecret({ sql, vault, orgId, audit }, held.itemId, { keepInKeychain: true });
    // Kept before the reveal commits: a keychain that refuses the write rolls the reveal back.
    await vault.set(keyAccount, r.secret);
    deliveredItemId = held.itemId;
    break;
  }
  const mine = await vault.get(keyAccount);
  const secret = mine && mine !== refused && (await accepted(sql, mine)) ? mine : null;
  const { n } = await sql.one<{ n: number }>(
    `SELECT count(*)::int AS n FROM mc.customer_keys k WHERE k.customer_id = $1 AND ${VALID_KEY_SQL}`,
    [customer.id],
  );
  return { secret, deliveredItemId, workingKeys: n };
}
