export * from './types';
export { buildIndex, type SnapshotIndex, UNMEASURED_P95_MS, KV_CACHE_FULL } from './snapshot-index';
export { route, allowedCorridors, isRegulated } from './engine';
export { networkMs, haversineKm } from './distance';
export { whatIf, withOutage, type Outage, type WhatIfRow } from './what-if';
