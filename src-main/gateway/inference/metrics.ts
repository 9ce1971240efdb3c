/** The gateway's own Prometheus metrics (prom-client), served on GET /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'endpoint' | 'status'>;
  latency: Histogram<'endpoint' | 'stream'>;
  firstByte: Histogram<'endpoint'>;
  limitRefusals: Counter<'reason'>;
  upstreamErrors: Counter<'runtime' | 'fault'>;
  circuit: Gauge<'runtime'>;
  spoolBacklog: Gauge;
  meteringRejected: Gauge;
}

export function gatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'umamiedge_gateway_process_' });
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  return {
    registry,
    requests: new Counter({ name: 'umamiedge_gateway_requests_total', help: 'Requests answered, by endpoint and HTTP status.', labelNames: ['endpoint', 'status'], registers: [registry] }),
    latency: new Histogram({ name: 'umamiedge_gateway_request_duration_seconds', help: 'Time from request to the end of the answer.', labelNames: ['endpoint', 'stream'], buckets, registers: [registry] }),
    firstByte: new Histogram({ name: 'umamiedge_gateway_first_byte_seconds', help: 'Time from request to the runtime’s first byte.', labelNames: ['endpoint'], buckets, registers: [registry] }),
    limitRefusals: new Counter({ name: 'umamiedge_gateway_limit_refusals_total', help: 'Requests refused by a limit (429), by limit.', labelNames: ['reason'], registers: [registry] }),
    upstreamErrors: new Counter({ name: 'umamiedge_gateway_upstream_errors_total', help: 'Runtime failures, by runtime id and kind of failure.', labelNames: ['runtime', 'fault'], registers: [registry] }),
    circuit: new Gauge({ name: 'umamiedge_gateway_circuit_state', help: 'Circuit breaker per runtime: 0 closed, 1 half-open, 2 open.', labelNames: ['runtime'], registers: [registry] }),
    spoolBacklog: new Gauge({ name: 'umamiedge_gateway_spool_backlog', help: 'Metering records on local disk not yet confirmed in Postgres.', registers: [registry] }),
    meteringRejected: new Gauge({ name: 'umamiedge_gateway_metering_rejected_total', help: 'Metering records the database refused (kept out of the spool, logged).', registers: [registry] }),
  };
}
