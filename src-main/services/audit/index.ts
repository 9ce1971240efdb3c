export { appendAudit } from './append';
export type { AuditDraft, AuditRecord, SystemActor } from './append';
export { auditEventsFor, listAudit, verifyAudit } from './read';
export { exportAuditPage } from './export';
