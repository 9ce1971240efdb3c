import { z } from 'zod';
import { VIEW_IDS, type ViewId } from '../navigation';
import { command, empty, isoTime, query, topic } from './channel';

/**
 * What an event is about, resolved to the name people use (INC-12, a node's host name, a site's
 * name). Not part of the hashed body: `label` is null when the record is gone, and the raw id stays.
 */
export const auditSubjectSchema = z.object({
  label: z.string().nullable(),
  /** A second line: an incident's title, a checklist item's run. */
  detail: z.string().nullable(),
  /** Where the record it proves can be opened; null when no view shows it. */
  link: z.object({ view: z.enum(VIEW_IDS as unknown as [ViewId, ...ViewId[]]), param: z.string().nullable() }).nullable(),
  /**
   * True only when the subject is a kind of record the app looks up and none with that id is left
   * in the org; false when it was found, or is a kind no view names (a sign-in, a file).
   */
  gone: z.boolean(),
});
export type AuditSubject = z.infer<typeof auditSubjectSchema>;

export const auditEventSchema = z.object({
  seq: z.number().int(),
  id: z.uuid(),
  at: isoTime,
  actor: z.object({ id: z.uuid().nullable(), name: z.string(), role: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable() }),
  reason: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
  subject: auditSubjectSchema,
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

const SUBJECT_TYPE = /^[a-z][a-z0-9_]{0,40}$/;
/** An exact action (`incidents.opened`) or a whole domain (`incidents`). */
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-zA-Z0-9_]*)*$/;

/**
 * The auditor's filter: every field narrows, all are optional. Text is matched in the reason and
 * the data as typed (case-insensitive); the actor is a member's id or words of a name.
 */
export const auditFilterSchema = z
  .strictObject({
    from: isoTime.optional(),
    to: isoTime.optional(),
    actor: z.string().trim().min(1).max(200).optional(),
    action: z.string().trim().max(120).regex(ACTION, 'an action such as incidents.opened, or a domain such as incidents').optional(),
    subjectType: z.string().trim().regex(SUBJECT_TYPE, 'a subject type such as incident, node or site').optional(),
    subjectId: z.string().trim().min(1).max(200).optional(),
    text: z.string().trim().min(2, 'at least 2 characters').max(200).optional(),
  })
  .refine((f) => !f.from || !f.to || f.from < f.to, { message: '“from” must be before “to”', path: ['to'] })
  .refine((f) => !f.subjectId || f.subjectType, { message: 'a subject id needs its type', path: ['subjectType'] });
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export const auditList = query('audit.list', {
  summary: 'Audit events of the current org matching a filter, newest first, a page at a time (keyset on seq).',
  request: z.strictObject({
    limit: z.number().int().min(1).max(500).default(100),
    beforeSeq: z.number().int().positive().optional(),
    filter: auditFilterSchema.optional(),
  }),
  response: z.object({
    events: z.array(auditEventSchema),
    headSeq: z.number().int(),
    /** The seq to pass as beforeSeq for the next page; null when nothing older matches. */
    nextBeforeSeq: z.number().int().nullable(),
  }),
});

export const AUDIT_EXPORT_PAGE = 2000;
/** An export beyond this many events is refused: narrow the filter (a time range) and export in parts. */
export const AUDIT_EXPORT_MAX = 200_000;

export const auditExport = query('audit.export', {
  summary: 'One page of the filtered events as CSV or JSONL with their chain fields, oldest first; call again with afterSeq until done.',
  request: z.strictObject({
    format: z.enum(['csv', 'jsonl']),
    filter: auditFilterSchema.optional(),
    afterSeq: z.number().int().min(0).default(0),
    /** The head when the export began: events appended meanwhile stay out, so the file is one snapshot. */
    untilSeq: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(AUDIT_EXPORT_PAGE).default(AUDIT_EXPORT_PAGE),
  }),
  response: z.object({
    /** Lines of the file; the CSV header comes with the first page (afterSeq 0) only. */
    text: z.string(),
    rows: z.number().int(),
    untilSeq: z.number().int(),
    /** Pass as afterSeq for the next page; null when the export is complete. */
    nextAfterSeq: z.number().int().nullable(),
  }),
});

/** A checkpoint this workstation signed and stored (docs/formats.md, "Audit checkpoints"). */
export const anchorCheckpointSchema = z.object({
  /** 1-based position in this workstation's checkpoints file. */
  number: z.number().int().min(1),
  size: z.number().int().min(0),
  /** base64 of the RFC 9162 root hash, as in the checkpoint note. */
  root: z.string().max(64),
  seenAt: isoTime,
  /** SHA256:… of the key that signed it: the current key, or one this workstation retired. */
  signedBy: z.string().max(100),
});
export type AnchorCheckpoint = z.infer<typeof anchorCheckpointSchema>;

/** One of this workstation's checkpoint keys: public facts only (the private key stays in the keychain). */
export const anchorKeySchema = z.object({
  fingerprint: z.string().max(100),
  /** Null for the key made before the first rotation. */
  createdAt: isoTime.nullable(),
  /** Null for the current key. */
  retiredAt: isoTime.nullable(),
});
export type AnchorKey = z.infer<typeof anchorKeySchema>;

/**
 * A witness (another workstation whose checkpoints were imported) and how the database's tree
 * compares with its latest checkpoint: consistent (the tree extends it), rewritten (it does not),
 * truncated (the witness saw more events than the database holds).
 */
export const anchorWitnessSchema = z.object({
  fingerprint: z.string().max(100),
  checkpoints: z.number().int().min(0),
  latest: z.object({ size: z.number().int().min(0), root: z.string().max(64), importedAt: isoTime }),
  state: z.enum(['consistent', 'rewritten', 'truncated']),
});
export type AnchorWitness = z.infer<typeof anchorWitnessSchema>;

/**
 * The chain checked against checkpoints held outside the database (this workstation's data folder):
 * anchored (consistent with the latest stored checkpoint), first (none stored yet: one was signed
 * now), tampered (the database's history no longer extends the latest checkpoint), not_signed (the
 * hash chain is broken: nothing new signed), store_error (the checkpoints file is unreadable; left
 * untouched), unavailable (no keychain, so no key).
 */
export const auditAnchorSchema = z.object({
  state: z.enum(['anchored', 'first', 'tampered', 'not_signed', 'store_error', 'unavailable']),
  message: z.string().max(2000),
  /** SHA256:… of this workstation's checkpoint key, as ssh-keygen prints it, for out-of-band pinning. */
  fingerprint: z.string().max(100).nullable(),
  latest: anchorCheckpointSchema.nullable(),
  /** The last checkpoint the database still agrees with. */
  lastGood: anchorCheckpointSchema.nullable(),
  stored: z.number().int().min(0),
  /** Every checkpoint key of this workstation for the org, current first (empty when none could be read). */
  keys: z.array(anchorKeySchema).max(1001),
  /** The latest checkpoint of each witness, checked against the database's tree. */
  witnesses: z.array(anchorWitnessSchema).max(100),
});
export type AuditAnchor = z.infer<typeof auditAnchorSchema>;

export const auditVerify = query('audit.verify', {
  summary: 'Recompute the whole hash chain of the current org and report any break.',
  request: empty,
  response: z.object({
    ok: z.boolean(),
    checked: z.number().int(),
    headSeq: z.number().int(),
    headHash: z.string(),
    breaks: z.array(z.object({ seq: z.number().int(), description: z.string() })),
    anchor: auditAnchorSchema,
  }),
});

export const auditExportCheckpoints = query('audit.exportCheckpoints', {
  summary: 'The signed checkpoints this workstation stored for the current org, as a file for a witness to keep.',
  request: empty,
  response: z.object({ fileName: z.string().max(200), text: z.string().max(64 * 1024 * 1024), count: z.number().int().min(0) }),
});

export const auditRotateKey = command('audit.rotateKey', {
  summary: 'Replace this workstation’s checkpoint key for the org: a new keychain key signs from now on; the old public key stays listed.',
  request: z.strictObject({}),
  response: z.object({ retired: z.string().max(100), current: z.string().max(100), checkpoint: anchorCheckpointSchema.nullable() }),
  roles: ['admin'],
});

/** What one import may carry over the contract (a browser-host frame is 256 KiB); the CLI takes larger files. */
export const WITNESS_IMPORT_MAX_CHARS = 192 * 1024;

export const auditImportWitness = command('audit.importWitness', {
  summary: 'Keep another workstation’s signed checkpoints of this org (a witness), after checking its key against the pinned fingerprint.',
  request: z.strictObject({
    /** An export of checkpoints (JSON) or one signed checkpoint note (a bundle's log/checkpoint). */
    checkpoints: z.string().min(1).max(WITNESS_IMPORT_MAX_CHARS, `at most ${WITNESS_IMPORT_MAX_CHARS / 1024} KiB here; import a larger file with npm run evidence -- import-checkpoints`),
    /** The witness's public key, PEM or OpenSSH. */
    publicKey: z.string().min(1).max(4096),
    /** The witness key's fingerprint, as received out of band. */
    pin: z.string().trim().min(1, 'type the fingerprint the witness gave you').max(100),
  }),
  response: z.object({
    fingerprint: z.string().max(100),
    added: z.number().int().min(0),
    duplicates: z.number().int().min(0),
    total: z.number().int().min(0),
    latest: z.object({ size: z.number().int().min(0), root: z.string().max(64) }),
  }),
});

export const auditAppended = topic('audit.appended', {
  summary: 'An audit event was appended to the current org’s chain.',
  params: empty,
  event: z.object({ id: z.uuid() }),
});
