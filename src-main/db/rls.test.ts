import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { type Sql, sqlOf } from './sql';

/**
 * Tenant isolation, table by table, as the app's own role (mc_app through a NOINHERIT
 * authenticator). Every table in schema mc with an org_id column must have a fixture here; a new
 * table without one fails the first test, so isolation is tested for every table that exists.
 */
interface Fixture {
  /** Write one row for `org` as the owner (the way seeds and migrations do). */
  seed(c: pg.Client, org: TestOrg): Promise<void>;
  /** As the app in another org, try to write a row into `victim`; must be refused. */
  crossInsert(sql: Sql, victim: TestOrg): Promise<unknown>;
  /**
   * What refuses it: the row-level policy (the app may insert into this table, just not for
   * another org), or the grant (the app may not insert into this table at all).
   */
  refusedBy: 'policy' | 'grant';
  /** Who reads the table in the isolation test (default: an operator); admin-only tables say 'admin'. */
  readBy?: 'admin';
}

const componentIds = new Map<string, string>();
/** Per org: the ids of the grid rows the fixtures create, for the rows that reference them. */
const grid = new Map<string, { corridor: string; site: string; group: string; node: string; key: string }>();
const g = (org: TestOrg) => grid.get(org.orgId)!;

const fixtures: Record<string, Fixture> = {
  memberships: {
    refusedBy: 'policy',
    seed: async () => undefined, // createOrg already made three
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.memberships (org_id, operator_id, role) VALUES ($1, $2, 'admin')`, [v.orgId, v.operator.operatorId]),
  },
  member_logins: {
    // A session sees only its own login's row; logins are made by the owner at sign-in, never by the app role.
    refusedBy: 'grant',
    async seed(c, org) {
      await c.query(`INSERT INTO mc.member_logins (role_name, org_id, operator_id) VALUES ($1, $2, $3)`, [`mc_m_${randomUUID().replaceAll('-', '').slice(0, 24)}`, org.orgId, org.admin.operatorId]);
    },
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.member_logins (role_name, org_id, operator_id) VALUES ('mc_m_000000000000000000000000', $1, $2)`, [v.orgId, v.admin.operatorId]),
  },
  login_orgs: {
    // Data-plane logins' orgs (sql/0058): members read their own org's bindings; only the owner binds.
    refusedBy: 'grant',
    async seed(c, org) {
      await c.query(`INSERT INTO mc.login_orgs (role_name, org_id, purpose) VALUES ($1, $2, 'gateway')`, [`mc_gateway_${org.orgId.replaceAll('-', '').slice(0, 12)}`, org.orgId]);
    },
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.login_orgs (role_name, org_id, purpose) VALUES ('mc_gateway_forged', $1, 'gateway')`, [v.orgId]),
  },
  components: {
    refusedBy: 'policy',
    async seed(c, org) {
      const id = randomUUID();
      componentIds.set(org.orgId, id);
      await c.query(`INSERT INTO mc.components (id, org_id, key, name, kind) VALUES ($1, $2, 'routing', 'Routing', 'routing')`, [id, org.orgId]);
    },
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.components (org_id, key, name, kind) VALUES ($1, 'sneaky', 'Sneaky', 'routing')`, [v.orgId]),
  },
  component_status_history: {
    refusedBy: 'policy',
    async seed(c, org) {
      await c.query(`INSERT INTO mc.component_status_history (org_id, component_id, to_state) VALUES ($1, $2, 'operational')`, [org.orgId, componentIds.get(org.orgId)]);
    },
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.component_status_history (org_id, component_id, to_state) VALUES ($1, $2, 'major_outage')`, [v.orgId, componentIds.get(v.orgId)]),
  },
  audit_heads: {
    refusedBy: 'grant',
    async seed(c, org) {
      await c.query(`INSERT INTO mc.audit_heads (org_id, seq, hash) VALUES ($1, 0, repeat('0', 64))`, [org.orgId]);
    },
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.audit_heads (org_id, seq, hash) VALUES ($1, 5, repeat('a', 64))`, [v.orgId]),
  },
  audit_events: {
    refusedBy: 'policy',
    async seed(c, org) {
      await c.query(
        `INSERT INTO mc.audit_events (org_id, seq, id, at, actor_name, action, target_type, prev_hash, hash)
         VALUES ($1, 1, $2, now(), 'seed', 'test.seeded', 'org', repeat('0', 64), repeat('1', 64))`,
        [org.orgId, randomUUID()],
      );
    },
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.audit_events (org_id, seq, id, at, actor_name, action, target_type, prev_hash, hash)
         VALUES ($1, 2, $2, now(), 'intruder', 'test.forged', 'org', repeat('1', 64), repeat('2', 64))`,
        [v.orgId, randomUUID()],
      ),
  },
  corridors: {
    refusedBy: 'policy',
    async seed(c, org) {
      const ids = { corridor: randomUUID(), site: randomUUID(), group: randomUUID(), node: randomUUID(), key: randomUUID() };
      grid.set(org.orgId, ids);
      await c.query(`INSERT INTO mc.corridors (id, org_id, key, name, region) VALUES ($1, $2, 'eu', 'EU', 'eu')`, [ids.corridor, org.orgId]);
    },
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.corridors (org_id, key, name, region) VALUES ($1, 'sneaky', 'Sneaky', 'custom')`, [v.orgId]),
  },
  sites: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.sites (id, org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name)
           VALUES ($1, $2, $3, 'fra-1', 'FRA-1', 'colocation', 'DE', 50.1, 8.7, 'Owner')`,
          [g(org).site, org.orgId, g(org).corridor],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name)
         VALUES ($1, $2, 'x-1', 'X', 'campus', 'DE', 1, 1, 'x')`,
        [v.orgId, g(v).corridor],
      ),
  },
  node_groups: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.node_groups (id, org_id, site_id, key, name) VALUES ($1, $2, $3, 'a', 'Pool A')`, [g(org).group, org.orgId, g(org).site]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'b', 'B')`, [v.orgId, g(v).site]),
  },
  nodes: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.nodes (id, org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s)
           VALUES ($1, $2, $3, $4, 'gpu-01', 'vllm', 'H100', 8, 640, 20000)`,
          [g(org).node, org.orgId, g(org).site, g(org).group],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s)
         VALUES ($1, $2, $3, 'gpu-99', 'tgi', 'L4', 1, 24, 100)`,
        [v.orgId, g(v).site, g(v).group],
      ),
  },
  node_keys: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.node_keys (id, org_id, node_id, key_hash, prefix) VALUES ($1, $2, $3, sha256($4::bytea), 'ume_node_abcdef')`, [
          g(org).key,
          org.orgId,
          g(org).node,
          Buffer.from(randomUUID()),
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.node_keys (org_id, node_id, key_hash, prefix) VALUES ($1, $2, sha256('x'::bytea), 'ume_node_zzzzzz')`, [v.orgId, g(v).node]),
  },
  ingest_rejections: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.ingest_rejections (org_id, key_id, reason, source) VALUES ($1, $2, 'key_revoked', '10.0.0.1')`, [org.orgId, g(org).key]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.ingest_rejections (org_id, reason, source) VALUES ($1, 'key_invalid', 'x')`, [v.orgId]),
  },
  telemetry: {
    refusedBy: 'grant',
    seed: (c, org) => c.query(`INSERT INTO mc.telemetry (org_id, node_id, ts, metric, value) VALUES ($1, $2, now(), 1, 50)`, [org.orgId, g(org).node]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.telemetry (org_id, node_id, ts, metric, value) VALUES ($1, $2, now(), 1, 99)`, [v.orgId, g(v).node]),
  },
  telemetry_rollups_1m: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.telemetry_rollups_1m (org_id, node_id, metric, minute, n, sum, min, max, last, last_ts)
           VALUES ($1, $2, 1, date_trunc('minute', now()), 1, 50, 50, 50, 50, now())`,
          [org.orgId, g(org).node],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.telemetry_rollups_1m (org_id, node_id, metric, minute, n, sum, min, max, last, last_ts)
         VALUES ($1, $2, 2, date_trunc('minute', now()), 1, 1, 1, 1, 1, now())`,
        [v.orgId, g(v).node],
      ),
  },
  node_latest: {
    refusedBy: 'grant',
    seed: (c, org) => c.query(`INSERT INTO mc.node_latest (node_id, org_id, seen_at, gpu_util_pct) VALUES ($1, $2, now(), 50)`, [g(org).node, org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.node_latest (node_id, org_id, seen_at) VALUES (gen_random_uuid(), $1, now())`, [v.orgId]),
  },
  ingest_batches: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.ingest_batches (org_id, node_id, batch_id, key_id, samples) VALUES ($1, $2, gen_random_uuid(), $3, 1)`, [org.orgId, g(org).node, g(org).key])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.ingest_batches (org_id, node_id, batch_id, key_id, samples) VALUES ($1, $2, gen_random_uuid(), $3, 1)`, [v.orgId, g(v).node, g(v).key]),
  },
  ingest_queue: {
    // Written by the door's functions (mc_definer); the app may read its own org's queue and put
    // its own org's dead letters back on it (replay, 0038), never another org's.
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.ingest_queue (org_id, node_id, key_id, batch_id, ts, metric, value, source) VALUES ($1, $2, $3, gen_random_uuid(), ARRAY[now()], '{1}', '{5}', 'x')`, [
          org.orgId,
          g(org).node,
          g(org).key,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.ingest_queue (org_id, node_id, key_id, batch_id, ts, metric, value, source) VALUES ($1, $2, $3, gen_random_uuid(), ARRAY[now()], '{1}', '{5}', 'x')`, [
        v.orgId,
        g(v).node,
        g(v).key,
      ]),
  },
  ingest_dead_letters: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.ingest_dead_letters (seq, org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at, attempts, reason)
           VALUES ((random() * 1e12)::bigint, $1, $2, $3, gen_random_uuid(), ARRAY[now()], '{1}', '{5}', 'x', now(), 5, 'P0001: test')`,
          [org.orgId, g(org).node, g(org).key],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.ingest_dead_letters (seq, org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at, attempts, reason)
         VALUES (1, $1, $2, $3, gen_random_uuid(), ARRAY[now()], '{1}', '{5}', 'x', now(), 5, 'x')`,
        [v.orgId, g(v).node, g(v).key],
      ),
  },
  evidence_records: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.evidence_records (org_id, kind, title, subject_type, outcome, audit_seq) VALUES ($1, 'test', 'Test', 'org', 'passed', 1)`, [org.orgId])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.evidence_records (org_id, kind, title, subject_type, outcome, audit_seq) VALUES ($1, 'forged', 'Forged', 'org', 'passed', 1)`, [v.orgId]),
  },
};

/** Per org: the ids of the operations rows (incidents, alerts, checklists) the fixtures create. */
const ops = new Map<string, { policy: string; incident: string; rule: string; pilot: string; run: string }>();
const o = (org: TestOrg) => ops.get(org.orgId)!;

Object.assign(fixtures, {
  org_ops_settings: {
    refusedBy: 'policy',
    async seed(c, org) {
      ops.set(org.orgId, { policy: randomUUID(), incident: randomUUID(), rule: randomUUID(), pilot: randomUUID(), run: randomUUID() });
      await c.query('INSERT INTO mc.org_ops_settings (org_id) VALUES ($1)', [org.orgId]);
    },
    crossInsert: (sql, v) => sql.query('INSERT INTO mc.org_ops_settings (org_id, energy_target_wh_per_1k) VALUES ($1, 999)', [v.orgId]),
  },
  escalation_policies: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.escalation_policies (id, org_id, name, steps) VALUES ($1, $2, 'Default', '[{"waitMinutes":0,"target":{"kind":"role","role":"admin"}}]')`, [o(org).policy, org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.escalation_policies (org_id, name, steps) VALUES ($1, 'Sneaky', '[]')`, [v.orgId]),
  },
  incident_counters: {
    refusedBy: 'policy',
    seed: (c, org) => c.query('INSERT INTO mc.incident_counters (org_id, last) VALUES ($1, 1)', [org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query('INSERT INTO mc.incident_counters (org_id, last) VALUES ($1, 1000)', [v.orgId]),
  },
  incidents: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.incidents (id, org_id, number, title, severity, policy_id, opened_by_name) VALUES ($1, $2, 1, 'Seeded', 'high', $3, 'seed')`, [
          o(org).incident,
          org.orgId,
          o(org).policy,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.incidents (org_id, number, title, severity, opened_by_name) VALUES ($1, 99, 'Forged', 'critical', 'x')`, [v.orgId]),
  },
  incident_events: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.incident_events (org_id, incident_id, kind, actor_name, audit_seq) VALUES ($1, $2, 'opened', 'seed', 1)`, [org.orgId, o(org).incident])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.incident_events (org_id, incident_id, kind, actor_name, body, audit_seq) VALUES ($1, $2, 'note', 'x', 'forged', 1)`, [v.orgId, o(v).incident]),
  },
  incident_affected: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.incident_affected (org_id, incident_id, kind, target_id) VALUES ($1, $2, 'node', $3)`, [org.orgId, o(org).incident, g(org).node]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.incident_affected (org_id, incident_id, kind, target_id) VALUES ($1, $2, 'site', $3)`, [v.orgId, o(v).incident, g(v).site]),
  },
  incident_reviews: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.incident_reviews (org_id, incident_id, summary) VALUES ($1, $2, 'seeded')`, [org.orgId, o(org).incident]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.incident_reviews (org_id, incident_id, summary) VALUES ($1, $2, 'forged')`, [v.orgId, o(v).incident]),
  },
  escalation_notifications: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.escalation_notifications (org_id, incident_id, arm, round, step, target, due_at) VALUES ($1, $2, 1, 0, 0, '{}', now())`, [org.orgId, o(org).incident])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.escalation_notifications (org_id, incident_id, arm, round, step, target, due_at) VALUES ($1, $2, 9, 0, 0, '{}', now())`, [v.orgId, o(v).incident]),
  },
  alert_rules: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.alert_rules (id, org_id, name, metric, aggregation, comparison, threshold, for_seconds, severity, scope_kind)
           VALUES ($1, $2, 'Latency', 'p95_latency_ms', 'p95', '>', 1000, 300, 'critical', 'corridor')`,
          [o(org).rule, org.orgId],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.alert_rules (org_id, name, metric, aggregation, comparison, threshold, for_seconds, severity, scope_kind)
         VALUES ($1, 'Sneaky', 'error_rate', 'avg', '>', 0, 0, 'critical', 'all')`,
        [v.orgId],
      ),
  },
  alert_instances: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.alert_instances (org_id, rule_id, subject_key, subject_type, state) VALUES ($1, $2, 'all', 'all', 'firing')`, [org.orgId, o(org).rule])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.alert_instances (org_id, rule_id, subject_key, subject_type, subject_id, state) VALUES ($1, $2, $3, 'corridor', $4, 'firing')`, [
        v.orgId,
        o(v).rule,
        `corridor:${g(v).corridor}`,
        g(v).corridor,
      ]),
  },
  alert_events: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.alert_events (org_id, rule_id, subject_key, from_state, to_state, reason, at) VALUES ($1, $2, 'all', 'pending', 'firing', 'seeded', now())`, [
          org.orgId,
          o(org).rule,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.alert_events (org_id, rule_id, subject_key, from_state, to_state, reason, at) VALUES ($1, $2, 'all', 'firing', 'resolved', 'forged', now())`, [
        v.orgId,
        o(v).rule,
      ]),
  },
  incident_alerts: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.incident_alerts (org_id, incident_id, rule_id, subject_key) VALUES ($1, $2, $3, 'all')`, [org.orgId, o(org).incident, o(org).rule]).then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.incident_alerts (org_id, incident_id, rule_id, subject_key) VALUES ($1, $2, $3, $4)`, [v.orgId, o(v).incident, o(v).rule, `corridor:${g(v).corridor}`]),
  },
  pilots: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.pilots (id, org_id, customer_name, corridor_id) VALUES ($1, $2, 'Acme', $3)`, [o(org).pilot, org.orgId, g(org).corridor]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.pilots (org_id, customer_name, corridor_id) VALUES ($1, 'Sneaky', $2)`, [v.orgId, g(v).corridor]),
  },
  checklist_runs: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.checklist_runs (id, org_id, template_key, kind, title, subject_type, period) VALUES ($1, $2, 'daily', 'checklist', 'Daily', 'org', '2026-01-01')`, [
          o(org).run,
          org.orgId,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.checklist_runs (org_id, template_key, kind, title, subject_type, period) VALUES ($1, 'weekly', 'checklist', 'Forged', 'org', '2026-W01')`, [v.orgId]),
  },
  checklist_items: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.checklist_items (org_id, run_id, position, key, text) VALUES ($1, $2, 1, 'a', 'A')`, [org.orgId, o(org).run]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.checklist_items (org_id, run_id, position, key, text) VALUES ($1, $2, 2, 'forged', 'Forged')`, [v.orgId, o(v).run]),
  },
  corridor_minutes: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.corridor_minutes (org_id, corridor_id, minute, nodes_reporting) VALUES ($1, $2, date_trunc('minute', now()), 1)`, [org.orgId, g(org).corridor])
        .then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.corridor_minutes (org_id, corridor_id, minute, nodes_reporting) VALUES ($1, NULL, now(), 99)`, [v.orgId]),
  },
  runtime_token_counters: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.runtime_token_counters (org_id, runtime_id, prompt_tokens_total, generation_tokens_total) VALUES ($1, $2, 100, 200)`, [org.orgId, r(org).runtime]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.runtime_token_counters (org_id, runtime_id, prompt_tokens_total, generation_tokens_total) VALUES ($1, $2, 1, 1)`, [v.orgId, r(v).runtime]),
  },
  usage_reconciliations: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.usage_reconciliations (org_id, created_by, period_from, period_to, window_minutes, outcome, windows_total, windows_flagged, unexplained, explained, totals, windows, sha256)
           VALUES ($1, $2, now() - interval '1 hour', now(), 60, 'no_traffic', 1, 0, 0, 0, '{}', '[]', repeat('a', 64))`,
          [org.orgId, org.admin.operatorId],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.usage_reconciliations (org_id, created_by, period_from, period_to, window_minutes, outcome, windows_total, windows_flagged, unexplained, explained, totals, windows, sha256)
         VALUES ($1, mc.current_operator_id(), now() - interval '1 hour', now(), 60, 'clean', 1, 0, 0, 0, '{}', '[]', repeat('b', 64))`,
        [v.orgId],
      ),
  },
} satisfies Record<string, Fixture>);

/** Per org: the escalation channel and notification the delivery fixtures reference. */
const notifyIds = new Map<string, { channel: string; notification: string }>();

Object.assign(fixtures, {
  notification_channels: {
    refusedBy: 'policy',
    async seed(c, org) {
      const channel = randomUUID();
      const notification = (await c.query<{ id: string }>('SELECT id FROM mc.escalation_notifications WHERE org_id = $1 LIMIT 1', [org.orgId])).rows[0]!.id;
      notifyIds.set(org.orgId, { channel, notification });
      await c.query(`INSERT INTO mc.notification_channels (id, org_id, kind, name, config) VALUES ($1, $2, 'slack', 'Seeded', '{"target":"http://127.0.0.1"}')`, [channel, org.orgId]);
    },
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.notification_channels (org_id, kind, name) VALUES ($1, 'webhook', 'Forged')`, [v.orgId]),
  },
  notification_deliveries: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.notification_deliveries (org_id, notification_id, channel_id, channel_kind, recipient, status, detail) VALUES ($1, $2, $3, 'slack', 'Seeded', 'delivered', 'seed')`, [
          org.orgId,
          notifyIds.get(org.orgId)!.notification,
          notifyIds.get(org.orgId)!.channel,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.notification_deliveries (org_id, notification_id, channel_kind, recipient, status, detail) VALUES ($1, $2, 'email', 'forged@example.org', 'delivered', 'forged')`, [
        v.orgId,
        notifyIds.get(v.orgId)!.notification,
      ]),
  },
} satisfies Record<string, Fixture>);

/** Per org: the runtime, SLA policy and customer rows the routing fixtures create. */
const rt = new Map<string, { runtime: string; policy: string; customer: string }>();
const r = (org: TestOrg) => rt.get(org.orgId)!;

Object.assign(fixtures, {
  runtimes: {
    refusedBy: 'policy',
    async seed(c, org) {
      const ids = { runtime: randomUUID(), policy: randomUUID(), customer: randomUUID() };
      rt.set(org.orgId, ids);
      await c.query(`INSERT INTO mc.runtimes (id, org_id, node_id, name, kind, base_url, runtime_group) VALUES ($1, $2, $3, 'rt', 'vllm', $4, 'vllm')`, [
        ids.runtime,
        org.orgId,
        g(org).node,
        `http://10.0.0.1:${8000 + rt.size}`,
      ]);
    },
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.runtimes (org_id, node_id, name, kind, base_url, runtime_group) VALUES ($1, $2, 'x', 'tgi', 'http://10.9.9.9:1', 'tgi')`, [v.orgId, g(v).node]),
  },
  runtime_models: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.runtime_models (org_id, runtime_id, model_id) VALUES ($1, $2, 'm')`, [org.orgId, r(org).runtime]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.runtime_models (org_id, runtime_id, model_id) VALUES ($1, $2, 'forged')`, [v.orgId, r(v).runtime]),
  },
  model_catalog: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.model_catalog (org_id, model_id) VALUES ($1, 'm')`, [org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.model_catalog (org_id, model_id) VALUES ($1, 'forged')`, [v.orgId]),
  },
  sla_policies: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.sla_policies (id, org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule) VALUES ($1, $2, 'p', 'P', 99.9, 800, 15, 'none')`, [
          r(org).policy,
          org.orgId,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule) VALUES ($1, 'f', 'F', 1, 10, 1, 'none')`, [v.orgId]),
  },
  customer_tiers: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.customer_tiers (org_id, tier, sla_policy_id) VALUES ($1, 'pilot', $2)`, [org.orgId, r(org).policy]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.customer_tiers (org_id, tier, sla_policy_id) VALUES ($1, 'enterprise', $2)`, [v.orgId, r(v).policy]),
  },
  customers: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.customers (id, org_id, key, name, tier, home_corridor_id) VALUES ($1, $2, 'c', 'C', 'pilot', $3)`, [r(org).customer, org.orgId, g(org).corridor])
        .then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) VALUES ($1, 'f', 'F', 'pilot', $2)`, [v.orgId, g(v).corridor]),
  },
  node_reservations: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.node_reservations (org_id, node_id, customer_id) VALUES ($1, $2, $3)`, [org.orgId, g(org).node, r(org).customer]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.node_reservations (org_id, node_id, customer_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [v.orgId, g(v).node, r(v).customer]),
  },
  routing_decisions: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.routing_decisions (org_id, source, model, origin_country, workload_class, inputs_digest, policy_reason, rejected, considered, eligible)
           VALUES ($1, 'simulation', 'm', 'DE', 'general', repeat('a', 64), 'seed', '{}', 0, 0)`,
          [org.orgId],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.routing_decisions (org_id, source, model, origin_country, workload_class, inputs_digest, policy_reason, rejected, considered, eligible)
         VALUES ($1, 'simulation', 'forged', 'DE', 'general', repeat('b', 64), 'forged', '{}', 0, 0)`,
        [v.orgId],
      ),
  },
} satisfies Record<string, Fixture>);

// Change control (0020): deployment runs, feature flags, operator migration runs, change events.
Object.assign(fixtures, {
  deployment_runs: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.deployment_runs (org_id, release_name, environment) VALUES ($1, 'Spring release', 'staging')`, [org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.deployment_runs (org_id, release_name, environment) VALUES ($1, 'Forged', 'production')`, [v.orgId]),
  },
  feature_flags: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.feature_flags (org_id, key, scope_kind, enabled) VALUES ($1, 'model.llama', 'org', true)`, [org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.feature_flags (org_id, key, scope_kind, enabled) VALUES ($1, 'forged', 'org', false)`, [v.orgId]),
  },
  migration_runs: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.migration_runs (org_id, file_name, sha256, byte_size, sql_text, target_database, shared_database, lock_timeout_ms, statement_timeout_ms, created_by)
           VALUES ($1, 'a.sql', repeat('a', 64), 9, 'SELECT 1;', 'db', false, 5000, 60000, $2)`,
          [org.orgId, org.admin.operatorId],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.migration_runs (org_id, file_name, sha256, byte_size, sql_text, target_database, shared_database, lock_timeout_ms, statement_timeout_ms, created_by)
         VALUES ($1, 'b.sql', repeat('b', 64), 9, 'SELECT 1;', 'db', false, 5000, 60000, $2)`,
        [v.orgId, v.admin.operatorId],
      ),
  },
  change_events: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.change_events (org_id, kind, message) VALUES ($1, 'flag.changed', 'seeded')`, [org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.change_events (org_id, kind, message) VALUES ($1, 'flag.changed', 'forged')`, [v.orgId]),
  },
} satisfies Record<string, Fixture>);

// On-call schedule (0032).
Object.assign(fixtures, {
  oncall_shifts: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.oncall_shifts (org_id, operator_id, starts_at, ends_at) VALUES ($1, $2, now() - interval '1 hour', now() + interval '1 hour')`, [org.orgId, org.commander.operatorId])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.oncall_shifts (org_id, operator_id, starts_at, ends_at) VALUES ($1, $2, now() + interval '1 day', now() + interval '2 days')`, [v.orgId, v.commander.operatorId]),
  },
} satisfies Record<string, Fixture>);

// Identity-provider sign-in and invitations (0033): the owner links identities and accepts
// invitations; admins issue invitations for their own org only.
Object.assign(fixtures, {
  identity_links: {
    refusedBy: 'grant',
    seed: (c, org) => c.query(`INSERT INTO mc.identity_links (org_id, operator_id, issuer, subject) VALUES ($1, $2, 'https://idp.test', $3)`, [org.orgId, org.admin.operatorId, `sub-${org.orgId}`]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.identity_links (org_id, operator_id, issuer, subject) VALUES ($1, $2, 'https://idp.test', 'forged')`, [v.orgId, v.admin.operatorId]),
  },
  invitations: {
    refusedBy: 'policy',
    // Admins only: an operator of the same org sees none (checked in the read test).
    readBy: 'admin',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.invitations (org_id, email, role, code_hash, created_by, expires_at) VALUES ($1, 'new@example.test', 'operator', md5($3) || md5($3), $2, now() + interval '1 day')`, [org.orgId, org.admin.operatorId, org.orgId]).then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.invitations (org_id, email, role, code_hash, created_by, expires_at) VALUES ($1, 'forged@example.test', 'admin', repeat('f', 64), $2, now() + interval '1 day')`, [v.orgId, v.admin.operatorId]),
  },
} satisfies Record<string, Fixture>);

// Failover drills (0040) and customer API keys (0043): admins (and, for drills, incident
// commanders) write them for their own org only.
const drillIds = new Map<string, string>();
Object.assign(fixtures, {
  drills: {
    refusedBy: 'policy',
    seed: async (c, org) => {
      const id = randomUUID();
      drillIds.set(org.orgId, id);
      await c.query(`INSERT INTO mc.drills (id, org_id, hypothesis, scope_kind, scope_target, scope_name, sla_policy_id) VALUES ($1, $2, 'EU survives a site loss', 'corridor', $3, 'EU', $4)`, [
        id,
        org.orgId,
        g(org).corridor,
        r(org).policy,
      ]);
    },
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.drills (org_id, hypothesis, scope_kind, scope_target, scope_name, sla_policy_id) VALUES ($1, 'forged drill', 'corridor', $2, 'EU', $3)`, [v.orgId, g(v).corridor, r(v).policy]),
  },
  drill_steps: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.drill_steps (org_id, drill_id, position, kind) VALUES ($1, $2, 1, 'drain')`, [org.orgId, drillIds.get(org.orgId)]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.drill_steps (org_id, drill_id, position, kind) VALUES ($1, $2, 2, 'simulate')`, [v.orgId, drillIds.get(v.orgId)]),
  },
  customer_keys: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.customer_keys (org_id, customer_id, mode, key_hash, prefix) VALUES ($1, $2, 'live', sha256($3::bytea), 'ume_live_AAAAAA')`, [org.orgId, r(org).customer, org.orgId])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.customer_keys (org_id, customer_id, mode, key_hash, prefix) VALUES ($1, $2, 'live', sha256('forged'::bytea), 'ume_live_BBBBBB')`, [v.orgId, r(v).customer]),
  },
  // Written only by the gateway's definer functions: the app may not insert at all.
  api_requests: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.api_requests (org_id, request_id, started_at, finished_at, customer_id, key_prefix, endpoint, model, status, outcome, latency_ms, gateway_instance)
           VALUES ($1, 'req_fixture_1', now(), now(), $2, 'ume_live_AAAAAA', 'chat.completions', 'm', 200, 'served', 12, 'test')`,
          [org.orgId, r(org).customer],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.api_requests (org_id, request_id, started_at, finished_at, customer_id, key_prefix, endpoint, model, status, outcome, latency_ms, gateway_instance)
         VALUES ($1, 'req_forged_1', now(), now(), $2, 'ume_live_AAAAAA', 'chat.completions', 'm', 200, 'served', 12, 'forged')`,
        [v.orgId, r(v).customer],
      ),
  },
  usage_events: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, prompt_tokens, completion_tokens) VALUES ($1, 'req_fixture_1', now(), $2, 'm', 10, 20)`, [
          org.orgId,
          r(org).customer,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, prompt_tokens, completion_tokens) VALUES ($1, 'req_forged_1', now(), $2, 'm', 1, 1)`, [
        v.orgId,
        r(v).customer,
      ]),
  },
} satisfies Record<string, Fixture>);

// Payout rate cards (0049): admins add versions for their own org only; nobody updates one.
Object.assign(fixtures, {
  payout_rate_cards: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(
          `INSERT INTO mc.payout_rate_cards (org_id, version, currency, default_gpu_hour_rate, per_million_tokens, energy_per_kwh, sla_policy_id, uptime_target_pct, credit_pct_per_point, max_credit_pct)
           VALUES ($1, 1, 'EUR', 2, 0.5, 0.2, $2, 99.9, 5, 20)`,
          [org.orgId, r(org).policy],
        )
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.payout_rate_cards (org_id, version, currency, default_gpu_hour_rate, per_million_tokens, energy_per_kwh, sla_policy_id, uptime_target_pct, credit_pct_per_point, max_credit_pct)
         VALUES ($1, 2, 'EUR', 0, 0, 0, $2, 99.9, 0, 0)`,
        [v.orgId, r(v).policy],
      ),
  },
  // Kept by the gateway (mc_gateway) only; members may see that a key was used, never the stored answer.
  idempotency_keys: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.idempotency_keys (org_id, customer_id, idem_key, body_sha256, request_id) VALUES ($1, $2, 'fixture', sha256('x'::bytea), 'req_fixture_1')`, [
          org.orgId,
          r(org).customer,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.idempotency_keys (org_id, customer_id, idem_key, body_sha256, request_id) VALUES ($1, $2, 'forged', sha256('x'::bytea), 'req_forged_1')`, [v.orgId, r(v).customer]),
  },
} satisfies Record<string, Fixture>);

// The gateway's limits (0046): the org's own request limit is an admin's to set; the counters and
// admissions are written only by the gateway's definer functions, so the app may not insert.
Object.assign(fixtures, {
  org_limits: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.org_limits (org_id, requests_per_min) VALUES ($1, 5000)`, [org.orgId]).then(() => undefined),
    // Org A's admin sets A's limit, never B's: the policy refuses before the key could clash.
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.org_limits (org_id, requests_per_min) VALUES ($1, 1)`, [v.orgId]),
  },
  limit_org_minutes: {
    refusedBy: 'grant',
    seed: (c, org) => c.query(`INSERT INTO mc.limit_org_minutes (org_id, minute, requests) VALUES ($1, date_trunc('minute', now()), 3)`, [org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.limit_org_minutes (org_id, minute, requests) VALUES ($1, date_trunc('minute', now()) - interval '5 minutes', 9999)`, [v.orgId]),
  },
  limit_minutes: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.limit_minutes (org_id, customer_id, minute, requests, tokens) VALUES ($1, $2, date_trunc('minute', now()), 3, 30)`, [org.orgId, r(org).customer]).then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.limit_minutes (org_id, customer_id, minute, requests, tokens) VALUES ($1, $2, date_trunc('minute', now()) - interval '5 minutes', 9999, 0)`, [v.orgId, r(v).customer]),
  },
  limit_months: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.limit_months (org_id, customer_id, month, requests, tokens) VALUES ($1, $2, date_trunc('month', now())::date, 3, 30)`, [org.orgId, r(org).customer]).then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.limit_months (org_id, customer_id, month, tokens) VALUES ($1, $2, date_trunc('month', now())::date - interval '1 month', 999999)`, [v.orgId, r(v).customer]),
  },
  limit_admissions: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.limit_admissions (org_id, request_id, customer_id, minute, estimated_tokens) VALUES ($1, 'req_fixture_1', $2, date_trunc('minute', now()), 10)`, [
          org.orgId,
          r(org).customer,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.limit_admissions (org_id, request_id, customer_id, minute, estimated_tokens, lease, lease_expires_at)
         VALUES ($1, 'req_forged_1', $2, date_trunc('minute', now()), 0, gen_random_uuid(), now() + interval '1 hour')`,
        [v.orgId, r(v).customer],
      ),
  },
} satisfies Record<string, Fixture>);

// Backups and restore drills (0052): admins record them for their own org only.
const backupIds = new Map<string, string>();
const backupRow = `'mc_archive', 'built-in', '/backups/a.mcarchive.gz', 10, repeat('a', 64), 'PostgreSQL 18', '0052_backups.sql', '[]', 0, 'manual', 5, 1`;
Object.assign(fixtures, {
  backups: {
    refusedBy: 'policy',
    seed: async (c, org) => {
      const id = randomUUID();
      backupIds.set(org.orgId, id);
      await c.query(
        `INSERT INTO mc.backups (id, org_id, format, format_reason, file_path, size_bytes, sha256, server_version, migration_level, tables, audit_events, trigger, duration_ms, audit_seq) VALUES ($1, $2, ${backupRow})`,
        [id, org.orgId],
      );
    },
    crossInsert: (sql, v) =>
      sql.query(
        `INSERT INTO mc.backups (org_id, format, format_reason, file_path, size_bytes, sha256, server_version, migration_level, tables, audit_events, trigger, duration_ms, audit_seq) VALUES ($1, ${backupRow})`,
        [v.orgId],
      ),
  },
  restore_drills: {
    refusedBy: 'policy',
    seed: async (c, org) => {
      const e = await c.query<{ id: string }>(`SELECT id FROM mc.evidence_records WHERE org_id = $1 LIMIT 1`, [org.orgId]);
      await c.query(
        `INSERT INTO mc.restore_drills (org_id, backup_id, ok, counts_ok, chain_ok, chain_message, tables, scratch, started_at, duration_ms, evidence_id, audit_seq)
         VALUES ($1, $2, true, true, true, 'ok', '[]', 'embedded', now(), 10, $3, 1)`,
        [org.orgId, backupIds.get(org.orgId), e.rows[0]!.id],
      );
    },
    crossInsert: async (sql, v) => {
      const e = await sql.query<{ id: string }>(`SELECT id FROM mc.evidence_records LIMIT 1`);
      return sql.query(
        `INSERT INTO mc.restore_drills (org_id, backup_id, ok, counts_ok, chain_ok, chain_message, tables, scratch, started_at, duration_ms, evidence_id, audit_seq)
         VALUES ($1, $2, true, true, true, 'forged', '[]', 'embedded', now(), 10, $3, 1)`,
        [v.orgId, backupIds.get(v.orgId), e[0]?.id ?? randomUUID()],
      );
    },
  },
  backup_schedules: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.backup_schedules (org_id, enabled, folder) VALUES ($1, true, '/backups')`, [org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.backup_schedules (org_id, enabled, folder) VALUES ($1, true, '/forged')`, [v.orgId]),
  },
} satisfies Record<string, Fixture>);

// Runbooks (0053): admins write runbooks and versions, writers follow them from incidents; all for
// their own org only. The rows reference audit event 1 of their org (the audit_events fixture).
const runbookIds = new Map<string, { runbook: string; run: string }>();
const rb = (org: TestOrg) => runbookIds.get(org.orgId)!;
Object.assign(fixtures, {
  runbooks: {
    refusedBy: 'policy',
    seed: async (c, org) => {
      runbookIds.set(org.orgId, { runbook: randomUUID(), run: randomUUID() });
      await c.query(`INSERT INTO mc.runbooks (id, org_id, key, title, builtin) VALUES ($1, $2, 'system-down', 'System down', true)`, [rb(org).runbook, org.orgId]);
    },
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.runbooks (org_id, key, title, builtin) VALUES ($1, 'forged', 'Forged', true)`, [v.orgId]),
  },
  runbook_versions: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.runbook_versions (org_id, runbook_id, version, title, body, created_by_name, audit_seq) VALUES ($1, $2, 1, 'System down', '# System down', 'seed', 1)`, [
          org.orgId,
          rb(org).runbook,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.runbook_versions (org_id, runbook_id, version, title, body, created_by_name, audit_seq) VALUES ($1, $2, 1, 'Forged', '# Forged', 'x', 1)`, [
        v.orgId,
        rb(v).runbook,
      ]),
  },
  runbook_runs: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.runbook_runs (id, org_id, runbook_id, version, incident_id, started_by_name, audit_seq) VALUES ($1, $2, $3, 1, $4, 'seed', 1)`, [
          rb(org).run,
          org.orgId,
          rb(org).runbook,
          o(org).incident,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.runbook_runs (org_id, runbook_id, version, incident_id, started_by_name, audit_seq) VALUES ($1, $2, 1, $3, 'x', 1)`, [v.orgId, rb(v).runbook, o(v).incident]),
  },
  runbook_step_records: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.runbook_step_records (org_id, run_id, step_id, outcome, actor_name, audit_seq) VALUES ($1, $2, 'check-status', 'done', 'seed', 1)`, [org.orgId, rb(org).run])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.runbook_step_records (org_id, run_id, step_id, outcome, actor_name, audit_seq) VALUES ($1, $2, 'notify', 'done', 'x', 1)`, [v.orgId, rb(v).run]),
  },
} satisfies Record<string, Fixture>);

// The advisory scan (0054): advisories and scan reports are written only by the scan's definer
// function (the app may not insert at all); thresholds by an org's admins for their own org.
Object.assign(fixtures, {
  advisory_settings: {
    refusedBy: 'policy',
    seed: (c, org) => c.query(`INSERT INTO mc.advisory_settings (org_id, key_stale_days) VALUES ($1, 45)`, [org.orgId]).then(() => undefined),
    // The victim's row exists already: the insert is refused by the policy before the conflict.
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.advisory_settings (org_id, key_stale_days) VALUES ($1, 1)`, [v.orgId]),
  },
  advisories: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.advisories (org_id, check_key, subject_key, subject_label, severity, evidence, fix, fix_view) VALUES ($1, 'node_silent', $2, 'fra-01', 'high', 'silent', 'check it', 'nodes')`, [
          org.orgId,
          `node:${g(org).node}`,
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.advisories (org_id, check_key, subject_key, subject_label, severity, evidence, fix, fix_view) VALUES ($1, 'node_silent', 'forged', 'forged', 'low', 'forged', 'forged', 'nodes')`, [v.orgId]),
  },
  advisory_scans: {
    refusedBy: 'grant',
    seed: (c, org) =>
      c.query(`INSERT INTO mc.advisory_scans (org_id, trigger, started_at, raised, refreshed, closed, report) VALUES ($1, 'manual', now(), 1, 0, 0, '[]')`, [org.orgId]).then(() => undefined),
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.advisory_scans (org_id, trigger, started_at, raised, refreshed, closed, report) VALUES ($1, 'manual', now(), 0, 0, 0, '[]')`, [v.orgId]),
  },
} satisfies Record<string, Fixture>);

// Rotate-all runs (0051): admins write them for their own org only.
const rotationRunIds = new Map<string, string>();
Object.assign(fixtures, {
  credential_rotation_runs: {
    refusedBy: 'policy',
    seed: async (c, org) => {
      const id = randomUUID();
      rotationRunIds.set(org.orgId, id);
      await c.query(`INSERT INTO mc.credential_rotation_runs (id, org_id, mode, grace_hours, state, ended_at) VALUES ($1, $2, 'scheduled', 24, 'done', now())`, [id, org.orgId]);
    },
    crossInsert: (sql, v) => sql.query(`INSERT INTO mc.credential_rotation_runs (org_id, mode, grace_hours) VALUES ($1, 'compromise', 0)`, [v.orgId]),
  },
  credential_rotation_items: {
    refusedBy: 'policy',
    seed: (c, org) =>
      c
        .query(`INSERT INTO mc.credential_rotation_items (org_id, run_id, position, stage, kind, ref, label, owner) VALUES ($1, $2, 1, 5, 'node_key', 'k', 'ume_node_AAAAAA…', 'fra-01-gpu01')`, [
          org.orgId,
          rotationRunIds.get(org.orgId),
        ])
        .then(() => undefined),
    crossInsert: (sql, v) =>
      sql.query(`INSERT INTO mc.credential_rotation_items (org_id, run_id, position, stage, kind, ref, label, owner) VALUES ($1, $2, 2, 5, 'node_key', 'forged', 'x', 'x')`, [v.orgId, rotationRunIds.get(v.orgId)]),
  },
} satisfies Record<string, Fixture>);

/** Seeding order: parents before children. */
const SEED_ORDER = [
  'components',
  'component_status_history',
  'audit_heads',
  'audit_events',
  'memberships',
  'member_logins',
  'login_orgs',
  'corridors',
  'sites',
  'node_groups',
  'nodes',
  'node_keys',
  'ingest_rejections',
  'telemetry',
  'telemetry_rollups_1m',
  'node_latest',
  'ingest_batches',
  'ingest_queue',
  'ingest_dead_letters',
  'evidence_records',
  'org_ops_settings',
  'escalation_policies',
  'incident_counters',
  'incidents',
  'incident_events',
  'incident_affected',
  'incident_reviews',
  'escalation_notifications',
  'alert_rules',
  'alert_instances',
  'alert_events',
  'incident_alerts',
  'pilots',
  'checklist_runs',
  'checklist_items',
  'corridor_minutes',
  'notification_channels',
  'notification_deliveries',
  'runtimes',
  'runtime_models',
  'model_catalog',
  'sla_policies',
  'customer_tiers',
  'customers',
  'node_reservations',
  'routing_decisions',
  'deployment_runs',
  'feature_flags',
  'migration_runs',
  'change_events',
  'oncall_shifts',
  'identity_links',
  'invitations',
  'drills',
  'drill_steps',
  'customer_keys',
  'api_requests',
  'usage_events',
  'runtime_token_counters',
  'usage_reconciliations',
  'payout_rate_cards',
  'idempotency_keys',
  'org_limits',
  'limit_org_minutes',
  'limit_minutes',
  'limit_months',
  'limit_admissions',
  'backups',
  'restore_drills',
  'backup_schedules',
  'runbooks',
  'runbook_versions',
  'runbook_runs',
  'runbook_step_records',
  'advisory_settings',
  'advisories',
  'advisory_scans',
  'credential_rotation_runs',
  'credential_rotation_items',
];

describe.each(testServers().map((s) => [s.label, s] as const))('row-level security on %s', (_label, server) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let a: TestOrg;
  let b: TestOrg;
  let tenantTables: string[];

  beforeAll(async () => {
    db = await migratedDatabase(server);
    pool = await appPool(db);
    a = await createOrg(db, 'org-a');
    b = await createOrg(db, 'org-b');
    for (const org of [a, b]) {
      await asOwner(db, org.orgId, async (c) => {
        // audit_heads before audit_events: the link trigger would otherwise create the head.
        for (const name of SEED_ORDER) await fixtures[name]!.seed(c, org);
      });
    }
    tenantTables = await asOwner(db, null, async (c) => {
      const r = await c.query<{ relname: string }>(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'mc' AND c.relkind IN ('r', 'p')
            AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped)
          ORDER BY 1`,
      );
      return r.rows.map((row) => row.relname);
    });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('has a fixture for every tenant table, so none escapes these tests', () => {
    expect(tenantTables.length).toBeGreaterThan(0);
    for (const t of tenantTables) expect(fixtures[t], `add an RLS fixture for mc.${t}`).toBeDefined();
    expect([...SEED_ORDER].sort()).toEqual(Object.keys(fixtures).sort());
  });

  it('enables and forces RLS on every table in schema mc', async () => {
    const rows = await asOwner(db, null, async (c) =>
      (
        await c.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
          `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'mc' AND c.relkind IN ('r', 'p') ORDER BY 1`,
        )
      ).rows,
    );
    for (const r of rows) expect(r, `mc.${r.relname}`).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('the app role owns nothing and cannot bypass RLS', async () => {
    const r = await asOwner(db, null, async (c) =>
      (
        await c.query(
          `SELECT rolname, rolbypassrls, rolsuper, rolinherit FROM pg_roles WHERE rolname = 'mc_app'
           UNION ALL SELECT 'owns tables', false, false, EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'mc' AND tableowner = 'mc_app')`,
        )
      ).rows,
    );
    expect(r).toEqual([
      { rolname: 'mc_app', rolbypassrls: false, rolsuper: false, rolinherit: false },
      { rolname: 'owns tables', rolbypassrls: false, rolsuper: false, rolinherit: false },
    ]);
  });

  it.each(Object.keys(fixtures))('reads of mc.%s see only the own org', async (table) => {
    for (const [me, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const reader = fixtures[table]?.readBy === 'admin' ? me.admin : me.operator;
      if (reader !== me.operator) {
        const hidden = await asApp(pool, me.operator, (sql) => sql.query(`SELECT 1 FROM mc.${table}`));
        expect(hidden.length).toBe(0);
      }
      const seen = await asApp(pool, reader, (sql) => sql.query<{ org_id: string }>(`SELECT org_id FROM mc.${table}`));
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.org_id === me.orgId)).toBe(true);
      const leaked = await asApp(pool, reader, (sql) => sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM mc.${table} WHERE org_id = $1`, [other.orgId]));
      expect(leaked.n).toBe(0);
    }
  });

  it.each(Object.keys(fixtures))('writes into another org through mc.%s are rejected', async (table) => {
    const count = () => asOwner(db, null, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.${table} WHERE org_id = $1`, [b.orgId])).rows[0].n as number);
    const before = await count();
    expect(before).toBeGreaterThan(0);
    const err = (await asApp(pool, a.admin, (sql) => fixtures[table]!.crossInsert(sql, b)).catch((e: { code?: string; message?: string }) => e)) as {
      code?: string;
      message?: string;
    };
    expect(err.code).toBe('42501');
    expect(err.message).toMatch(fixtures[table]!.refusedBy === 'policy' ? /row-level security policy/ : /permission denied/);
    // Nothing of the other org's was added (or lost).
    expect(await count()).toBe(before);
  });

  // The ingest function runs as mc_definer once a key has named its org. Its policies must still
  // hold it to that org: a bug in the function cannot write into another tenant's data.
  it.each(['telemetry', 'telemetry_rollups_1m', 'node_latest', 'ingest_batches'])(
    'the ingest definer, with org A selected, cannot write org B rows into mc.%s',
    async (table) => {
      const err = await asOwner(db, a.orgId, async (c) => {
        await c.query('SET LOCAL ROLE mc_definer');
        return fixtures[table]!.crossInsert(sqlOf(c), b).then(
          () => null,
          (e: { code?: string; message?: string }) => e,
        );
      });
      expect(err).toMatchObject({ code: '42501', message: expect.stringMatching(/row-level security policy/) });
    },
  );

  it('updates aimed at another org change nothing', async () => {
    const n = await asApp(pool, a.admin, (sql) => sql.query(`UPDATE mc.components SET state = 'major_outage' WHERE org_id = $1 RETURNING id`, [b.orgId]));
    expect(n).toEqual([]);
    const state = await asOwner(db, null, async (c) => (await c.query(`SELECT state FROM mc.components WHERE org_id = $1`, [b.orgId])).rows[0].state);
    expect(state).toBe('operational');
  });

  it('cannot revoke another org’s node key or retire its node', async () => {
    const keys = await asApp(pool, a.admin, (sql) => sql.query(`UPDATE mc.node_keys SET revoked_at = now() WHERE org_id = $1 RETURNING id`, [b.orgId]));
    const nodes = await asApp(pool, a.admin, (sql) => sql.query(`UPDATE mc.nodes SET lifecycle = 'active' WHERE org_id = $1 RETURNING id`, [b.orgId]));
    expect([keys, nodes]).toEqual([[], []]);
  });

  it('cannot attach evidence to another org’s change events or migration runs, nor edit an event itself', async () => {
    const sha = 'c'.repeat(64);
    const events = await asApp(pool, a.admin, (sql) => sql.query(`UPDATE mc.change_events SET evidence_uri = 'https://x.test/e', evidence_sha256 = $2 WHERE org_id = $1 RETURNING id`, [b.orgId, sha]));
    const runs = await asApp(pool, a.admin, (sql) => sql.query(`UPDATE mc.migration_runs SET evidence_uri = 'https://x.test/e', evidence_sha256 = $2 WHERE org_id = $1 RETURNING id`, [b.orgId, sha]));
    expect([events, runs]).toEqual([[], []]);
    // Only the evidence columns of an event may change: its message stays as recorded.
    const err = await asApp(pool, a.admin, (sql) => sql.query(`UPDATE mc.change_events SET message = 'rewritten' WHERE org_id = $1`, [a.orgId])).catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('42501');
    // An auditor cannot attach evidence to an event of the own org either.
    const byAuditor = await asApp(pool, a.auditor, (sql) => sql.query(`UPDATE mc.change_events SET evidence_uri = 'https://x.test/e', evidence_sha256 = $2 WHERE org_id = $1`, [a.orgId, sha])).catch(
      (e: { code?: string }) => e,
    );
    expect((byAuditor as { code?: string }).code).toBe('42501');
  });

  it('sees only the operators who are members of the own org', async () => {
    const emails = await asApp(pool, a.operator, (sql) => sql.query<{ email: string }>('SELECT email FROM mc.operators ORDER BY email'));
    expect(emails.map((e) => e.email)).toEqual([a.admin.email, a.auditor.email, a.commander.email, a.operator.email].sort());
  });

  it('sees only the own org row', async () => {
    const orgs = await asApp(pool, a.operator, (sql) => sql.query<{ id: string }>('SELECT id FROM mc.orgs'));
    expect(orgs.map((o) => o.id)).toEqual([a.orgId]);
  });

  it('shows nothing at all when no org is selected', async () => {
    for (const table of [...Object.keys(fixtures), 'orgs', 'operators']) {
      const n = await asApp(pool, { orgId: '', operatorId: '', role: '' } as never, (sql) => sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM mc.${table}`));
      expect(n.n, table).toBe(0);
    }
  });

  it('refuses auditors’ writes in the database too (defence in depth)', async () => {
    const err = await asApp(pool, a.auditor, (sql) => sql.query(`UPDATE mc.components SET state = 'major_outage' WHERE org_id = $1`, [a.orgId])).catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('42501');
  });

  it('only an admin adds an escalation policy once the org’s defaults are installed', async () => {
    const insert = (who: TestOrg['admin']) =>
      asApp(pool, who, (sql) =>
        sql.query(`INSERT INTO mc.escalation_policies (org_id, name, steps) VALUES ($1, $2, '[{"waitMinutes":0,"target":{"kind":"role","role":"admin"}}]') RETURNING id`, [a.orgId, `By ${who.role}`]),
      ).catch((e: { code?: string }) => e);
    await asOwner(db, null, (c) => c.query('UPDATE mc.org_ops_settings SET defaults_installed_at = now() WHERE org_id = $1', [a.orgId]));
    const names = () => asOwner(db, null, async (c) => (await c.query(`SELECT name FROM mc.escalation_policies WHERE org_id = $1 ORDER BY name`, [a.orgId])).rows);
    const before = await names();
    expect(await insert(a.operator)).toMatchObject({ code: '42501' });
    expect(await insert(a.commander)).toMatchObject({ code: '42501' });
    expect(await names()).toEqual(before);
    expect(await insert(a.admin)).toHaveLength(1);
    await asOwner(db, null, (c) => c.query(`DELETE FROM mc.escalation_policies WHERE org_id = $1 AND name = 'By admin'`, [a.orgId]));
    // Clearing the mark to open inserts again is refused.
    const reset = await asApp(pool, a.operator, (sql) => sql.query('UPDATE mc.org_ops_settings SET defaults_installed_at = NULL WHERE org_id = $1', [a.orgId])).catch(
      (e: { code?: string }) => e,
    );
    expect(reset).toMatchObject({ code: '42501' });
    expect(await insert(a.operator)).toMatchObject({ code: '42501' });
  });

  it('the definer role cannot create objects in the app’s schema', async () => {
    const r = await asOwner(db, null, async (c) => (await c.query(`SELECT has_schema_privilege('mc_definer', 'mc', 'CREATE') AS can`)).rows[0]);
    expect(r).toEqual({ can: false });
  });

  it('the authenticator role itself can read nothing (a reset role gains nothing)', async () => {
    const client = await pool.connect();
    try {
      const err = await client.query('SELECT count(*) FROM mc.components').catch((e: { code?: string }) => e);
      expect((err as { code?: string }).code).toBe('42501');
    } finally {
      client.release();
    }
  });
});
