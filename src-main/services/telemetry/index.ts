export { sendBatch, sendBatchInTx } from './ingest';
export type { Batch, Queryable, Sample } from './ingest';
export { nodeSeries } from './series';
export { maintainTelemetry, telemetrySettings } from './settings';
export { recordTelemetryValidation } from './validation';
