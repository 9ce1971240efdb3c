export { appendAudit } from './append';
export type { AuditDraft, AuditRecord } from './append';
export { auditEventsFor, listAudit, verifyAudit } from './read';
