/**
 * The customer gateway: OpenAI-compatible HTTP in front (fastify), the key check, admission, the
 * routing engine and the runtimes behind, and the metering spool on the way out. Its own
 * composition root: no Electron, no app core; it meets the app only in Postgres.
 *
 * Every answer carries x-request-id. A request that passed the key check leaves one API request
 * log row; one that reached a runtime also leaves one usage event. Both are fsynced to the spool
 * before the answer completes (see spool.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';
import type { Logger } from 'pino';
import { BASE62_ALPHABET, keyKind, visiblePrefix } from '../../../src-shared/domain/api-key';
import { McError } from '../../../src-shared/contract/errors';
import { route } from '../../../src-shared/domain/routing';
import type { ChosenNode, RoutingDecision } from '../../../src-shared/domain/routing/types';
import { inputsDigest } from '../../services/routing';
import type { Limiter } from './admission';
import { mapKeys, type RuntimeKeySource } from './runtime-keys';
import { GatewayDb, type KeyIdentity, type OrgRouting, type RuntimeTarget } from './gateway-db';
import { bodyHash, claim, complete, IDEMPOTENCY_KEY, release } from './idempotency';
import { gatewayMetrics } from './metrics';
import { BAD_KEY, errorBody, type OpenAiError } from './openai-errors';
import { parseBody } from './request-body';
import { Spool, type MeteringDecision, type MeteringRecord, type MeteringRequest } from './spool';
import { estimatePromptTokens, SseMeter, usageOf } from './sse-meter';
import { PgLimiter } from './limits';
import { type InferenceEndpoint, UpstreamError, Upstreams } from './upstream';
import { warnIfUnbound } from '../../db/login-orgs';

export interface GatewayOptions {
  /** Postgres as a login that is a member of mc_gateway (and nothing more). */
  db: pg.PoolConfig;
  host?: string;
  port?: number;
  spoolDir: string;
  /** The admission limiter; default: the shared Postgres limits (limits.ts) on this gateway's pool. */
  limiter?: Limiter;
  /** Runtime API keys: a map runtime id → key (file or environment), or the OS keychain. */
  runtimeKeys?: Map<string, string> | RuntimeKeySource;
  /** Names this process in the request log (default: host:pid). */
  instance?: string;
  bodyLimit?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  drainIntervalMs?: number;
  poolSize?: number;
  /** Demo traffic: every record says simulated. */
  simulated?: boolean;
  log: Logger;
}

export interface Gateway {
  url: string;
  spool: Spool;
  close(): Promise<void>;
}

export const GATEWAY_DEFAULTS = {
  port: 8790,
  bodyLimit: 1024 * 1024,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 60_000,
  drainIntervalMs: 1000,
  poolSize: 20,
} as const;
/** Largest non-streaming answer read from a runtime (embeddings of a long batch stay well under). */
const MAX_UPSTREAM_BODY = 32 * 1024 * 1024;

interface Ctx {
  requestId: string;
  started: number;
  startedAt: string;
  identity: (KeyIdentity & { prefix: string }) | null;
  /** The routing decision, stored with this request's metering. */
  decision: MeteringDecision | null;
  /** Answered as a stream (hijacked): its metrics are taken where the stream ends. */
  streamed?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: Ctx;
  }
}

const newRequestId = (): string => {
  const b = randomBytes(24);
  let s = 'req_';
  for (const x of b) s += BASE62_ALPHABET[x % 62];
  return s;
};

const reject = (status: number, type: OpenAiError['type'], code: string, message: string, param: string | null = null): OpenAiError => ({ status, type, code, message, param });

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const log = opts.log;
  const pool = new pg.Pool({ ...opts.db, max: opts.poolSize ?? GATEWAY_DEFAULTS.poolSize });
  pool.on('error', () => undefined);
  const db = new GatewayDb(pool, opts.db);
  await db.listen();
  await warnIfUnbound(pool, opts.log, 'gateway');
  // Several instances on one database share these limits: the counters live in Postgres.
  const ownLimiter = opts.limiter ? null : new PgLimiter({ pool, log });
  const limiter: Limiter = opts.limiter ?? ownLimiter!;
  const instance = opts.instance ?? `gateway-${process.pid}`;
  const metrics = gatewayMetrics();
  const upstreams = new Upstreams({
    headersTimeoutMs: opts.headersTimeoutMs ?? GATEWAY_DEFAULTS.headersTimeoutMs,
    bodyTimeoutMs: opts.bodyTimeoutMs ?? GATEWAY_DEFAULTS.bodyTimeoutMs,
    breakAfter: 5,
    halfOpenAfterMs: 30_000,
    keys: opts.runtimeKeys instanceof Map || !opts.runtimeKeys ? mapKeys(opts.runtimeKeys ?? new Map()) : opts.runtimeKeys,
  });
  const spool = new Spool(opts.spoolDir, (batch) => db.record(batch, instance), (err) => log.warn({ err: err.message }, 'metering drain'));
  // What a crash left is drained before anything new is served.
  await spool.drain();
  spool.start(opts.drainIntervalMs ?? GATEWAY_DEFAULTS.drainIntervalMs);
  const simulated = opts.simulated ?? false;

  const app = Fastify({ bodyLimit: opts.bodyLimit ?? GATEWAY_DEFAULTS.bodyLimit, logger: false, return503OnClosing: false, keepAliveTimeout: 10_000 });
  app.decorateRequest('ctx', null as unknown as Ctx);
  // JSON only; the raw text is kept for the Idempotency-Key body check.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => {
    (req as FastifyRequest & { rawText?: string }).rawText = text as string;
    try {
      done(null, text === '' ? undefined : JSON.parse(text as string));
    } catch {
      done(Object.assign(new Error('The request body is not valid JSON.'), { statusCode: 400, code: 'invalid_json' }), undefined);
    }
  });

  const send = (reply: FastifyReply, e: OpenAiError, headers: Record<string, string> = {}) => reply.code(e.status).headers(headers).send(errorBody(e));

  /** The request log row (and usage event) of a request that passed the key check. */
  const meter = (ctx: Ctx, row: Partial<MeteringRequest> & Pick<MeteringRequest, 'endpoint' | 'status' | 'outcome'>, usage: MeteringRecord['usage'] = null): Promise<void> => {
    const id = ctx.identity;
    if (!id) return Promise.resolve();
    const finished = Date.now();
    return spool.append({
      request: {
        org_id: id.orgId,
        request_id: ctx.requestId,
        started_at: ctx.startedAt,
        finished_at: new Date(finished).toISOString(),
        customer_id: id.customerId,
        key_prefix: id.prefix,
        model: null,
        stream: false,
        decision_id: null,
        corridor_id: null,
        node_id: null,
        runtime_id: null,
        latency_ms: finished - ctx.started,
        first_byte_ms: null,
        prompt_tokens: usage?.prompt_tokens ?? 0,
        completion_tokens: usage?.completion_tokens ?? 0,
        simulated,
        ...row,
      },
      usage,
      decision: ctx.decision,
    });
  };

  let closing = false;
  app.addHook('onRequest', async (req, reply) => {
    const started = Date.now();
    req.ctx = { requestId: newRequestId(), started, startedAt: new Date(started).toISOString(), identity: null, decision: null };
    reply.header('x-request-id', req.ctx.requestId);
    // Fastify's own 503 while closing skips the hooks, so it would carry no request id: answer it here.
    if (closing) return send(reply, reject(503, 'server_error', 'shutting_down', 'This gateway is shutting down. Retry: another instance or its restart will answer.'), { 'retry-after': '1', connection: 'close' });
    // The matched route, not the raw URL: the router decodes the path (GET /%761/models is
    // /v1/models), so a test on req.url could be stepped around. Unmatched paths are 404s.
    const route = req.routeOptions.url ?? '';
    if (!route.startsWith('/v1/') && !route.startsWith('/api/v1/')) return;
    // The key first, before the body is read: an unauthenticated caller costs no parsing.
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer ([^\s]+)$/.exec(auth);
    const key = m?.[1] ?? '';
    const kind = keyKind(key);
    if (kind !== 'live' && kind !== 'test') {
      // Malformed or a wrong checksum: refused without asking the database.
      return send(reply, BAD_KEY);
    }
    let checked;
    try {
      checked = await db.checkKey(key, `gateway ${instance} from ${req.ip}`);
    } catch (err) {
      // A key of an org this gateway's login is not bound to (sql/0058): to the client, the same
      // 401 as any key it may not use (no hint that the key exists); to the operator, what to bind.
      if ((err as { code?: string }).code === '42501') {
        log.warn({ requestId: req.ctx.requestId, err: (err as Error).message }, 'key check: a customer key of an org this gateway\'s database login is not bound to; bind the login to that org if it should serve it (docs/security.md)');
        return send(reply, BAD_KEY);
      }
      log.error({ requestId: req.ctx.requestId, err: (err as Error).message }, 'key check failed');
      return send(reply, reject(503, 'server_error', 'unavailable', 'The gateway cannot reach its database right now. Retry in a few seconds.'), { 'retry-after': '5' });
    }
    if (!checked.identity) return send(reply, BAD_KEY);
    req.ctx.identity = { ...checked.identity, prefix: visiblePrefix(key) };
  });

  app.addHook('onResponse', async (req, reply) => {
    // A stream's answer is counted where it ends (the hook still runs after hijack()).
    if (req.ctx?.streamed) return;
    const endpoint = endpointOf(req.url);
    metrics.requests.inc({ endpoint, status: String(reply.statusCode) });
    metrics.latency.observe({ endpoint, stream: 'false' }, (Date.now() - (req.ctx?.started ?? Date.now())) / 1000);
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const endpoint = endpointOf(req.url);
    let e: OpenAiError;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = reject(413, 'invalid_request_error', 'request_too_large', `The request body is larger than ${opts.bodyLimit ?? GATEWAY_DEFAULTS.bodyLimit} bytes.`);
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') e = reject(415, 'invalid_request_error', 'unsupported_media_type', 'Send the request body as JSON with "Content-Type: application/json".');
    else if (err.code === 'invalid_json' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') e = reject(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.');
    else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) e = reject(err.statusCode, 'invalid_request_error', 'invalid_request', 'The request could not be read.');
    else {
      log.error({ requestId: req.ctx?.requestId, err: err.message }, 'gateway error');
      e = reject(500, 'server_error', 'internal_error', 'The gateway failed on this request. Retry; if it persists, quote the x-request-id to your operator.');
    }
    if (req.ctx?.identity && endpoint !== 'other') await meter(req.ctx, { endpoint: endpoint as MeteringRequest['endpoint'], status: e.status, outcome: e.code.replace(/[^a-z_]/g, '_').slice(0, 40) });
    return send(reply, e);
  });

  app.setNotFoundHandler(async (_req, reply) => send(reply, reject(404, 'not_found_error', 'not_found', 'No such endpoint. This gateway serves /v1/chat/completions, /v1/completions, /v1/embeddings and /v1/models.')));

  app.get('/healthz', async (_req, reply) => {
    let database = true;
    try {
      await pool.query('SELECT 1');
    } catch {
      database = false;
    }
    return reply.code(database ? 200 : 503).send({ status: database ? 'ok' : 'degraded', database, spoolBacklog: spool.backlog });
  });

  app.get('/metrics', async (_req, reply) => {
    metrics.circuit.reset();
    for (const [id, s] of upstreams.circuitStates()) metrics.circuit.set({ runtime: id }, s);
    metrics.spoolBacklog.set(spool.backlog);
    metrics.meteringRejected.set(spool.rejectedTotal);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const listModels = async (req: FastifyRequest, reply: FastifyReply) => {
    const id = req.ctx.identity!;
    try {
      const { routing, terms } = await db.routingFor(id.orgId, id.customerId);
      const tier = terms.tier;
      const data = routing.models.filter((m) => !m.allowedTiers || m.allowedTiers.includes(tier)).map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.ownedBy }));
      await meter(req.ctx, { endpoint: 'models', status: 200, outcome: 'served' });
      return reply.send({ object: 'list', data });
    } catch (err) {
      const e = err instanceof McError ? reject(503, 'server_error', 'no_route', err.message) : reject(503, 'server_error', 'unavailable', 'The model catalog cannot be read right now. Retry in a few seconds.');
      await meter(req.ctx, { endpoint: 'models', status: e.status, outcome: e.code });
      return send(reply, e);
    }
  };
  app.get('/v1/models', listModels);
  app.get('/api/v1/models', listModels);

  const inference = (endpoint: InferenceEndpoint) => async (req: FastifyRequest, reply: FastifyReply) => {
    const ctx = req.ctx;
    const id = ctx.identity!;
    const parsed = parseBody(endpoint, req.body);
    if (!parsed.ok) {
      await meter(ctx, { endpoint, status: 400, outcome: 'bad_request' });
      return send(reply, reject(400, 'invalid_request_error', 'invalid_request', parsed.message, parsed.param));
    }
    const { model, stream, maxTokens } = parsed.value;
    let body = parsed.value.body;
    const base = { endpoint, model, stream } as const;
    const promptEstimate = estimatePromptTokens(body);
    const admissionReq = { orgId: id.orgId, customerId: id.customerId, requestId: ctx.requestId, estimatedTokens: promptEstimate + maxTokens };
    let admission: Awaited<ReturnType<Limiter['admit']>>;
    try {
      admission = await limiter.admit(admissionReq);
    } catch (err) {
      log.error({ requestId: ctx.requestId, err: (err as Error).message }, 'limiter admit failed');
      await meter(ctx, { ...base, status: 503, outcome: 'unavailable' });
      return send(reply, reject(503, 'server_error', 'unavailable', 'The gateway cannot check its limits right now. Retry in a few seconds.'), { 'retry-after': '5' });
    }
    if (!admission.ok) {
      metrics.limitRefusals.inc({ reason: admission.refusal });
      await meter(ctx, { ...base, status: 429, outcome: admission.refusal });
      return send(reply, reject(429, 'rate_limit_error', admission.refusal, admission.message), { 'retry-after': String(Math.max(1, Math.ceil(admission.retryAfterS))) });
    }
    let settledTokens = 0;
    try {
      const idemKey = stream || endpoint === 'embeddings' ? undefined : headerOf(req, 'idempotency-key');
      if (idemKey !== undefined && !IDEMPOTENCY_KEY.test(idemKey)) {
        await meter(ctx, { ...base, status: 400, outcome: 'bad_request' });
        return send(reply, reject(400, 'invalid_request_error', 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 printable characters without spaces.', 'Idempotency-Key'));
      }
      // Routing: the engine decides, the decision is stored, then the runtime is called.
      type Routed = { kind: 'routed'; routing: OrgRouting; decision: RoutingDecision; decisionId: string; failoverAllowed: boolean } | { kind: 'error'; e: OpenAiError; outcome: string } | { kind: 'replay'; status: number; body: string };
      let routed: Routed;
      try {
        // Warm path: the routing inputs and terms come from the caches, with no database call.
        const { routing, terms } = await db.routingFor(id.orgId, id.customerId);
        routed = await (async (): Promise<Routed> => {
          const known = routing.models.find((m) => m.id === model);
          if (!known || (known.allowedTiers && !known.allowedTiers.includes(terms.tier))) {
            return { kind: 'error', outcome: 'unknown_model', e: reject(404, 'invalid_request_error', 'model_not_found', `The model '${model.slice(0, 100)}' does not exist or you do not have access to it. GET /v1/models lists yours.`, 'model') };
          }
          const home = routing.snapshot.corridors.find((c) => c.id === terms.homeCorridorId);
          const origin = (headerOf(req, 'x-umamiedge-origin-country') ?? home?.policy.allowedCountries[0] ?? 'ZZ').toUpperCase();
          const workload = headerOf(req, 'x-umamiedge-workload-class') ?? 'general';
          if (!/^[A-Z]{2}$/.test(origin) || !/^[a-z0-9_-]{1,60}$/i.test(workload)) {
            return { kind: 'error', outcome: 'bad_request', e: reject(400, 'invalid_request_error', 'invalid_routing_header', 'x-umamiedge-origin-country must be a two-letter country code and x-umamiedge-workload-class a short word.') };
          }
          if (idemKey !== undefined) {
            const c = await db.inOrg(id.orgId, (sql) => claim(sql, id.orgId, id.customerId, idemKey, bodyHash((req as FastifyRequest & { rawText?: string }).rawText ?? ''), ctx.requestId));
            if (c.kind === 'conflict') return { kind: 'error', outcome: 'idempotency_conflict', e: reject(409, 'conflict_error', 'idempotency_conflict', c.message, 'Idempotency-Key') };
            if (c.kind === 'replay') return { kind: 'replay', status: c.status, body: c.body };
          }
          const request = {
            customerId: terms.id,
            customerName: terms.name,
            tier: terms.tier,
            homeCorridorId: terms.homeCorridorId,
            sla: terms.sla,
            model,
            origin: { country: origin, lat: null, lon: null },
            workloadClass: workload,
            estimatedTokens: promptEstimate + maxTokens,
          };
          const decision = route(routing.index, request);
          // The decision is written with this request's metering (mc.gateway_record): no write here.
          const decisionId = randomUUID();
          ctx.decision = {
            id: decisionId,
            decided_at: new Date().toISOString(),
            model,
            origin_country: origin,
            workload_class: workload,
            inputs_digest: inputsDigest(request, routing.snapshot),
            corridor_id: decision.corridorId,
            region: decision.region,
            selected_node_id: decision.selected?.nodeId ?? null,
            selected_runtime_id: decision.selected?.runtimeId ?? null,
            fallback_node_id: decision.fallback?.nodeId ?? null,
            policy_reason: decision.policyReason,
            explanation: decision.explanation,
            rejected: Object.fromEntries(decision.funnel.filter((f) => f.removed > 0).map((f) => [f.reason, f.removed])),
            considered: decision.considered,
            eligible: decision.eligible,
          };
          return { kind: 'routed', routing, decision, decisionId, failoverAllowed: terms.sla.failover.kind !== 'none' };
        })();
      } catch (err) {
        if (err instanceof McError) {
          await meter(ctx, { ...base, status: 503, outcome: 'no_route' });
          return send(reply, reject(503, 'server_error', 'no_route', err.message));
        }
        throw err;
      }
      if (routed.kind === 'error') {
        await meter(ctx, { ...base, status: routed.e.status, outcome: routed.outcome });
        return send(reply, routed.e);
      }
      if (routed.kind === 'replay') {
        await meter(ctx, { ...base, status: routed.status, outcome: 'idempotent_replay' });
        return reply.code(routed.status).header('content-type', 'application/json').header('idempotent-replayed', 'true').send(routed.body);
      }
      const { decision, decisionId, routing } = routed;
      const routeFields = (n: ChosenNode | null, rt: RuntimeTarget | null) => ({ decision_id: decisionId, corridor_id: n?.corridorId ?? null, node_id: n?.nodeId ?? null, runtime_id: rt?.id ?? null });
      const routeHeader = (n: ChosenNode | null, fellBack: boolean) =>
        n ? `decision=${decisionId}; corridor=${n.corridorName}; node=${n.hostname}; runtime=${n.runtimeId}${fellBack ? '; fallback=true' : ''}` : `decision=${decisionId}; none`;
      if (!decision.selected) {
        if (idemKey !== undefined) await db.inOrg(id.orgId, (sql) => release(sql, id.orgId, id.customerId, idemKey));
        await meter(ctx, { ...base, ...routeFields(null, null), status: 503, outcome: 'no_route' });
        return send(reply, reject(503, 'server_error', 'no_route', decision.explanation ?? 'No node can serve this request now.'), { 'x-umamiedge-route': routeHeader(null, false) });
      }
      if (stream) body = { ...body, stream_options: { ...((body.stream_options as object | undefined) ?? {}), include_usage: true } };

      // Proxy: the chosen runtime; before its first byte a failure may move once to the fallback.
      const abort = new AbortController();
      const raw = reply.raw;
      const onClose = () => {
        if (!raw.writableFinished) abort.abort();
      };
      raw.on('close', onClose);
      const attempts: ChosenNode[] = [decision.selected, ...(decision.fallback && routed.failoverAllowed ? [decision.fallback] : [])];
      let opened: { res: Awaited<ReturnType<Upstreams['open']>>; node: ChosenNode; target: RuntimeTarget; fellBack: boolean } | null = null;
      let lastErr: UpstreamError | null = null;
      for (const [i, node] of attempts.entries()) {
        const target = routing.runtimes.get(node.runtimeId);
        if (!target) continue;
        try {
          opened = { res: await upstreams.open(target, endpoint, body, abort.signal), node, target, fellBack: i > 0 };
          break;
        } catch (err) {
          lastErr = err instanceof UpstreamError ? err : new UpstreamError('refused', 'The runtime failed.');
          metrics.upstreamErrors.inc({ runtime: target.id, fault: lastErr.fault });
          if (lastErr.fault === 'aborted') break;
        }
      }
      const firstByte = Date.now() - ctx.started;
      if (!opened) {
        raw.off('close', onClose);
        if (idemKey !== undefined) await db.inOrg(id.orgId, (sql) => release(sql, id.orgId, id.customerId, idemKey)).catch(() => undefined);
        const last = attempts[attempts.length - 1] ?? null;
        const outcome = lastErr?.fault === 'aborted' ? 'client_closed' : 'upstream';
        await meter(ctx, { ...base, ...routeFields(last, last ? (routing.runtimes.get(last.runtimeId) ?? null) : null), status: 502, outcome });
        return send(reply, reject(502, 'server_error', 'upstream_unavailable', `The model runtime failed before answering (${lastErr?.message ?? 'no runtime'}). Retry; the request was not served.`), {
          'x-umamiedge-route': routeHeader(last, attempts.length > 1),
        });
      }
      const { res, node, target, fellBack } = opened;
      metrics.firstByte.observe({ endpoint }, firstByte / 1000);
      const fields = { ...base, ...routeFields(node, target), first_byte_ms: firstByte };
      const usageRow = (prompt: number, completion: number, estimated: boolean): MeteringRecord['usage'] => ({
        request_id: ctx.requestId,
        occurred_at: new Date().toISOString(),
        model,
        corridor_id: node.corridorId,
        node_id: node.nodeId,
        runtime_id: target.id,
        prompt_tokens: prompt,
        completion_tokens: completion,
        estimated,
        simulated,
      });
      const headers = { 'x-request-id': ctx.requestId, 'x-umamiedge-route': routeHeader(node, fellBack) };

      if (!stream || !(String(res.headers['content-type'] ?? '').includes('text/event-stream'))) {
        // Non-streaming (or a runtime that answered an error as JSON to a stream request).
        let text: string;
        try {
          text = await readCapped(res.body, MAX_UPSTREAM_BODY);
        } catch {
          raw.off('close', onClose);
          upstreams.recordMidStreamFailure(target.id);
          metrics.upstreamErrors.inc({ runtime: target.id, fault: 'broken_body' });
          if (idemKey !== undefined) await db.inOrg(id.orgId, (sql) => release(sql, id.orgId, id.customerId, idemKey)).catch(() => undefined);
          const gone = abort.signal.aborted;
          await meter(ctx, { ...fields, status: gone ? 499 : 502, outcome: gone ? 'client_closed' : 'upstream_died' }, usageRow(promptEstimate, 0, true));
          return send(reply, reject(502, 'server_error', 'upstream_broken', 'The model runtime broke off its answer. Retry.'), headers);
        }
        raw.off('close', onClose);
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          /* passed through as the runtime sent it */
        }
        const ok = res.statusCode < 300;
        const u = ok ? usageOf(json) : null;
        const usage = ok ? (u ? usageRow(u.prompt_tokens, u.completion_tokens, false) : usageRow(promptEstimate, 0, true)) : null;
        settledTokens = (usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0);
        await meter(ctx, { ...fields, status: res.statusCode, outcome: ok ? 'served' : 'runtime_refused' }, usage);
        if (idemKey !== undefined) await db.inOrg(id.orgId, (sql) => complete(sql, id.orgId, id.customerId, idemKey, res.statusCode, text)).catch((err: Error) => log.warn({ requestId: ctx.requestId, err: err.message }, 'idempotency record'));
        return reply.code(res.statusCode).headers(headers).header('content-type', 'application/json').send(text);
      }

      // Streaming: chunk by chunk, waiting for the client to take each one (back-pressure).
      reply.hijack();
      ctx.streamed = true;
      raw.writeHead(res.statusCode, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const sse = new SseMeter();
      let died = false;
      try {
        for await (const chunk of res.body) {
          sse.push(chunk as Buffer);
          if (raw.destroyed) break;
          if (!raw.write(chunk)) await Promise.race([once(raw, 'drain'), once(raw, 'close')]);
        }
      } catch {
        died = !abort.signal.aborted;
      }
      raw.off('close', onClose);
      const clientGone = abort.signal.aborted || raw.destroyed;
      if (clientGone) res.body.destroy();
      if (died) {
        upstreams.recordMidStreamFailure(target.id);
        metrics.upstreamErrors.inc({ runtime: target.id, fault: 'died_mid_stream' });
      }
      const exact = sse.usage;
      const usage = exact ? usageRow(exact.prompt_tokens, exact.completion_tokens, false) : usageRow(promptEstimate, sse.contentChunks, true);
      settledTokens = usage!.prompt_tokens + usage!.completion_tokens;
      const outcome = clientGone ? 'client_closed' : died || !sse.done ? 'upstream_died' : 'served';
      // Metered before the stream ends for the client: what the client saw complete is on disk.
      await meter(ctx, { ...fields, status: res.statusCode, outcome }, usage);
      if (!raw.destroyed) {
        if (outcome === 'upstream_died') raw.write(`data: ${JSON.stringify(errorBody(reject(502, 'server_error', 'upstream_broken', 'The model runtime broke off this stream.')))}\n\n`);
        raw.end();
      }
      metrics.requests.inc({ endpoint, status: String(res.statusCode) });
      metrics.latency.observe({ endpoint, stream: 'true' }, (Date.now() - ctx.started) / 1000);
    } finally {
      await limiter.settle({ ...admissionReq, lease: admission.lease, tokens: settledTokens }).catch((err: Error) => log.warn({ requestId: ctx.requestId, err: err.message }, 'limiter settle'));
    }
  };
  app.post('/v1/chat/completions', inference('chat.completions'));
  app.post('/v1/completions', inference('completions'));
  app.post('/v1/embeddings', inference('embeddings'));

  const url = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? GATEWAY_DEFAULTS.port });
  return {
    url,
    spool,
    async close() {
      closing = true;
      await app.close();
      await spool.close();
      ownLimiter?.close();
      await db.close();
      await upstreams.close();
      await pool.end();
    },
  };
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function endpointOf(url: string): MeteringRequest['endpoint'] | 'other' {
  const path = url.split('?')[0];
  if (path === '/v1/chat/completions') return 'chat.completions';
  if (path === '/v1/completions') return 'completions';
  if (path === '/v1/embeddings') return 'embeddings';
  if (path === '/v1/models' || path === '/api/v1/models') return 'models';
  return 'other';
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.length;
    if (n > max) {
      body.destroy();
      throw new Error('too large');
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}
