import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { INGEST_LIMITS } from '../../src-shared/domain/metrics';
import type { Logger } from 'pino';
import { type QueueAnswer, QueueFull, type QueueItem, QueueUnavailable, type TelemetryQueue } from '../services/telemetry/queue';
import type { OrgRateLimit } from './org-rate-limit';

export interface DoorOptions {
  queue: TelemetryQueue;
  rateLimit: OrgRateLimit;
  /** The latest known queue depth, or null when the database has not answered lately. */
  depth(): { batches: number; oldest: string | null; deadLetters: number } | null;
  /** Above this many waiting batches the door answers 429. */
  maxQueueDepth: number;
  /** Largest request body in bytes. */
  bodyLimit?: number;
  log: Logger;
  /** Called after batches were queued (to wake the worker). */
  onQueued?(): void;
}

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const TS = '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?(Z|[+-]\\d{2}(:?\\d{2})?)$';
const NODE_KEY = /^ume_node_[0-9A-Za-z]{38}$/;
// Twice the per-batch limit: a batch just over it still reaches the rules and is refused (and
// counted) as batch_too_large; far beyond, the schema refuses it before any work.
const MAX_ITEMS = INGEST_LIMITS.maxBatchSamples * 2;
const metricName = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000]*$' };
const number = { type: ['number', 'null'] };

/** The SQL function's batch shape: parallel arrays, one entry per sample. */
const nativeShape = {
  type: 'object',
  additionalProperties: false,
  required: ['batch_id', 'ts', 'metric', 'value'],
  properties: {
    batch_id: { type: 'string', pattern: UUID },
    ts: { type: 'array', maxItems: MAX_ITEMS, items: { type: 'string', maxLength: 40, pattern: TS } },
    metric: { type: 'array', maxItems: MAX_ITEMS, items: metricName },
    value: { type: 'array', maxItems: MAX_ITEMS, items: number },
    agent: { type: 'string', maxLength: 200 },
  },
};

/** The seed's shape (003): one timestamp, samples of {metric, value}. */
const seedShape = {
  type: 'object',
  additionalProperties: false,
  required: ['project_id', 'ts', 'samples'],
  properties: {
    project_id: { type: 'string', pattern: UUID },
    ts: { type: 'string', maxLength: 40, pattern: TS },
    samples: {
      type: 'array',
      maxItems: MAX_ITEMS,
      items: { type: 'object', additionalProperties: false, required: ['metric', 'value'], properties: { metric: metricName, value: number } },
    },
  },
};

const bodySchema = { type: 'object', if: { required: ['samples'] }, then: seedShape, else: nativeShape };

interface NativeBody {
  batch_id: string;
  ts: string[];
  metric: string[];
  value: (number | null)[];
  agent?: string;
}
interface SeedBody {
  project_id: string;
  ts: string;
  samples: { metric: string; value: number | null }[];
}

const HTTP_STATUS: Record<string, number> = {
  key_malformed: 401,
  key_invalid: 401,
  key_revoked: 401,
  key_expired: 401,
  key_rotated_out: 401,
  node_retired: 403,
  // The door's database login is not bound to the key's org (sql/0058): the door's operator must bind it.
  login_unbound: 403,
  batch_invalid: 400,
  batch_too_large: 413,
  sample_invalid: 422,
};

/** A calendar day that exists (the pattern lets 2026-02-31 through; Postgres would refuse the whole group). */
function realDate(ts: string): boolean {
  const [y, m, d] = ts.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  const [hh, mm, ss] = ts.slice(11, 19).split(':').map(Number) as [number, number, number];
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d && y >= 1900 && hh < 24 && mm < 60 && ss < 60;
}

function sourceOf(req: FastifyRequest, agent: string | undefined): string {
  const claim = (agent ?? req.headers['user-agent'] ?? '').replace(/[^\x20-\x7e]/g, '').slice(0, 150);
  return (claim ? `${req.ip} · agent says: ${claim}` : req.ip).slice(0, 200);
}

function keyHashOf(req: FastifyRequest): Buffer | null {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer (\S+)$/.exec(h);
  if (!m || !NODE_KEY.test(m[1]!)) return null;
  return createHash('sha256').update(m[1]!, 'utf8').digest();
}

function isSeed(body: NativeBody | SeedBody): body is SeedBody {
  return 'samples' in body;
}

/** The idempotency key of a seed-shape batch: the Idempotency-Key header, or one derived from the body. */
function seedBatchId(req: FastifyRequest, body: SeedBody): string {
  const given = req.headers['idempotency-key'];
  if (typeof given === 'string' && new RegExp(UUID).test(given)) return given.toLowerCase();
  const h = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  // A name-based uuid (version 8 layout): the same body sent again names the same batch.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function itemOf(req: FastifyRequest, body: NativeBody | SeedBody, keyHash: Buffer | null): QueueItem | string {
  if (isSeed(body)) {
    if (!realDate(body.ts)) return `ts ${body.ts} is not a real date and time.`;
    return {
      keyHash,
      batchId: seedBatchId(req, body),
      source: sourceOf(req, undefined),
      project: body.project_id.toLowerCase(),
      ts: body.samples.map(() => body.ts),
      metric: body.samples.map((s) => s.metric),
      value: body.samples.map((s) => s.value),
    };
  }
  // An agent's batch usually repeats one timestamp per sample set: each distinct string is checked
  // once (realDate was the door's busiest function of its own in a profile of agent-sized batches).
  let checked = '';
  const bad = body.ts.findIndex((t) => {
    if (t === checked) return false;
    if (!realDate(t)) return true;
    checked = t;
    return false;
  });
  if (bad >= 0) return `ts[${bad}] (${body.ts[bad]}) is not a real date and time.`;
  const equal = body.ts.length === body.metric.length && body.ts.length === body.value.length;
  return {
    keyHash,
    batchId: body.batch_id,
    source: sourceOf(req, body.agent),
    project: null,
    // Arrays of different lengths: no samples, so the rules refuse it as batch_invalid (and count it).
    ts: equal ? body.ts : [],
    metric: equal ? body.metric : [],
    value: equal ? body.value : [],
  };
}

function answer(reply: FastifyReply, seed: boolean, a: QueueAnswer): FastifyReply {
  if (a.status === 'rejected') {
    return reply.code(HTTP_STATUS[a.code ?? ''] ?? 400).send({ status: 'rejected', code: a.code, message: a.message, ...(a.errors ? { errors: a.errors } : {}) });
  }
  if (seed) return reply.code(200).send(a.status === 'accepted' ? { inserted: a.accepted } : { inserted: 0, duplicate: true });
  return reply.code(200).send({ status: a.status, accepted: a.accepted, ...(a.status === 'duplicate' ? { message: 'This batch was already received; nothing was added.' } : {}) });
}

/**
 * POST /v1/telemetry and GET /healthz. A batch is answered 200 only once it is committed to the
 * durable queue (mc.ingest_queue); the worker writes it into the telemetry tables afterwards.
 */
export function telemetryDoor(opts: DoorOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // The door logs through its own logger, without request bodies or headers (the key is a header).
    logger: false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
  });

  const submit = async (item: QueueItem): Promise<QueueAnswer> => {
    const a = await opts.queue.submit(item);
    if (a.status === 'accepted') opts.onQueued?.();
    if (a.orgId && item.keyHash) opts.rateLimit.learn(item.keyHash.toString('hex'), a.orgId);
    return a;
  };

  app.setErrorHandler(async (err: { code?: string; statusCode?: number; message: string; validation?: unknown }, req, reply) => {
    if (err instanceof QueueFull) {
      return reply.code(429).header('retry-after', String(err.retryAfterSeconds)).send({ status: 'rejected', code: 'queue_full', message: err.message });
    }
    if (err.statusCode === 413) {
      return reply.code(413).send({ status: 'rejected', code: 'body_too_large', message: `The request body is larger than ${opts.bodyLimit ?? 1024 * 1024} bytes; send smaller batches.` });
    }
    // Fastify's own refusals of the body: not JSON (a parse error), an empty body, another media
    // type, or a body that does not match the schema.
    if (err.validation || err.statusCode === 400 || err.statusCode === 415) {
      const what = err.validation ? `The batch does not have the expected shape: ${err.message}.` : `The body is not a JSON batch: ${err.message}.`;
      if (req.method === 'POST' && req.url.startsWith('/v1/telemetry')) {
        // Counted like the SQL function counts a malformed batch (after the key check), then answered.
        try {
          const a = await submit({ keyHash: keyHashOf(req), batchId: null, source: sourceOf(req, undefined), project: null, ts: [], metric: [], value: [] });
          if (a.code !== 'batch_invalid') return answer(reply, false, a);
        } catch {
          // Not recorded when the database is away; the agent still gets its answer.
        }
      }
      return reply.code(err.statusCode === 415 ? 415 : 400).send({ status: 'rejected', code: 'malformed', message: what });
    }
    if (err instanceof QueueUnavailable) {
      return reply.code(503).header('retry-after', '2').send({ status: 'rejected', code: 'unavailable', message: err.message });
    }
    opts.log.error({ code: err.code, message: err.message }, 'telemetry door: unexpected error');
    return reply.code(500).send({ status: 'rejected', code: 'internal', message: 'The telemetry door failed unexpectedly; send the batch again.' });
  });

  app.get('/healthz', async (_req, reply) => {
    const d = opts.depth();
    if (!d) return reply.code(503).send({ status: 'unavailable', message: 'The database has not answered lately.' });
    return reply.send({ status: 'ok', queue: { batches: d.batches, oldest: d.oldest, deadLetters: d.deadLetters, pendingInProcess: opts.queue.pending } });
  });

  app.post<{ Body: NativeBody | SeedBody }>('/v1/telemetry', { schema: { body: bodySchema } }, async (req, reply) => {
    const keyHash = keyHashOf(req);
    const d = opts.depth();
    if (d && d.batches + opts.queue.pending >= opts.maxQueueDepth) {
      return reply.code(429).header('retry-after', '5').send({ status: 'rejected', code: 'queue_full', message: 'The telemetry queue is over its bound; send this batch again after Retry-After seconds.' });
    }
    if (keyHash) {
      const wait = opts.rateLimit.take(keyHash.toString('hex'));
      if (wait > 0) {
        return reply.code(429).header('retry-after', String(wait)).send({ status: 'rejected', code: 'rate_limited', message: `This org sends more batches per second than its limit; send again after ${wait} s.` });
      }
    }
    const item = itemOf(req, req.body, keyHash);
    if (typeof item === 'string') {
      return reply.code(400).send({ status: 'rejected', code: 'malformed', message: item });
    }
    return answer(reply, isSeed(req.body), await submit(item));
  });

  return app;
}
