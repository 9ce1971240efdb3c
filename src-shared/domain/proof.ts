import type { CheckAnswer, CheckKey } from './checklists';

/**
 * The proof a gate or checklist item needs before it may be passed (done):
 * - live: the app answers it from records, and the answer it gave when ticked said yes (when the
 *   app cannot tell, a person attests instead);
 * - evidence: a linked record of the app's (a telemetry validation, a routing simulation, an
 *   incident, a drill where the item says drills count), passed and of the run's corridor
 *   (a pilot's: its corridor and, for a routing simulation, its customer);
 * - attestation: the signed-in member, a note of at least a sentence and an attached link or
 *   file whose sha256 is stored.
 * The database holds the same rules (migration 0031), for any writer that is not this app.
 */
export const PROOF_KINDS = ['live', 'evidence', 'attestation'] as const;
export type ProofKind = (typeof PROOF_KINDS)[number];

export const EVIDENCE_KINDS = ['telemetry_validation', 'routing_simulation', 'incident', 'drill'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface ProofSpec {
  kind: ProofKind;
  /** For evidence: the records that count. 'drill' only where a drill counts. */
  evidenceKinds: readonly EvidenceKind[];
}

/** Checks whose answer is an evidence record: the item needs that record linked, not only a yes. */
const EVIDENCE_CHECKS: Partial<Record<CheckKey, readonly EvidenceKind[]>> = {
  telemetry_valid_key_accepted: ['telemetry_validation'],
  telemetry_invalid_key_rejected: ['telemetry_validation'],
  routing_simulation_saved: ['routing_simulation'],
  corridor_drill_captured: ['drill'],
  // "Incidents can be created, acknowledged and resolved": a drill in the pilot's corridor proves it.
  incident_lifecycle_proven: ['incident', 'drill'],
};

/** The proof an item of a template declares: from its check, or an attestation when the app cannot answer it. */
export function proofOf(item: { check?: CheckKey | null | undefined }): ProofSpec {
  if (!item.check) return { kind: 'attestation', evidenceKinds: [] };
  const kinds = EVIDENCE_CHECKS[item.check];
  return kinds ? { kind: 'evidence', evidenceKinds: kinds } : { kind: 'live', evidenceKinds: [] };
}

const KIND_WORDS: Record<EvidenceKind, string> = {
  telemetry_validation: 'a telemetry validation',
  routing_simulation: 'a routing simulation',
  incident: 'a resolved incident',
  drill: 'a resolved drill',
};

const ATTESTATION = 'an attestation: your note of at least a sentence (20 characters, four words) and an attached file or link, whose sha256 is stored';

/** What an item needs, in words, for the item and for refusals: "Needs a telemetry validation record of this corridor." */
export function proofNeeds(spec: ProofSpec, scoped: 'corridor' | 'pilot' | 'site' | 'org'): string {
  const where = scoped === 'pilot' ? ' of the pilot’s corridor (and customer)' : scoped === 'org' ? '' : ' of this corridor';
  if (spec.kind === 'attestation') return `Needs ${ATTESTATION}.`;
  if (spec.kind === 'live') return 'Needs its live check to say yes when ticked (when the app cannot tell: an attestation).';
  return `Needs ${spec.evidenceKinds.map((k) => KIND_WORDS[k]).join(' or ')} record${where}, linked.`;
}

/** "At least a sentence": twenty characters and four words (as the database counts them). */
export function isSentence(note: string | null): boolean {
  const t = (note ?? '').trim();
  return t.length >= 20 && t.split(/\s+/).length >= 4;
}

export interface ProofOffered {
  live: CheckAnswer | null;
  note: string | null;
  attachment: { uri: string; sha256: string } | null;
  evidenceRef: { type: string; id: string } | null;
}

/**
 * Why this item may not be passed with what is offered, or null. Scope (which corridor a linked
 * record is of) is checked against the records by the service; this is the shape of the proof.
 */
export function proofProblem(spec: ProofSpec, gate: boolean, scoped: 'corridor' | 'pilot' | 'site' | 'org', p: ProofOffered): string | null {
  const what = gate ? 'This gate' : 'This item';
  const attested = isSentence(p.note) && p.attachment !== null;
  if (spec.kind === 'attestation') {
    if (attested) return null;
    const missing = [!isSentence(p.note) && 'a note of at least a sentence', !p.attachment && 'an attached file or link'].filter(Boolean).join(' and ');
    return `${what} needs ${ATTESTATION}. Missing: ${missing}.`;
  }
  if (spec.kind === 'live') {
    if (p.live?.ok === true) return null;
    if (p.live?.ok === null && attested) return null;
    if (p.live?.ok === null) return `The app cannot tell (${p.live.summary.replace(/\.$/, '')}), so ${what.toLowerCase()} needs ${ATTESTATION}.`;
    return `${what} needs its live check to say yes; it says: ${p.live?.summary ?? 'nothing'}`;
  }
  const ok = p.evidenceRef && ((p.evidenceRef.type === 'evidence' && spec.evidenceKinds.some((k) => k !== 'incident' && k !== 'drill')) || (p.evidenceRef.type === 'incident' && spec.evidenceKinds.some((k) => k === 'incident' || k === 'drill')));
  if (ok) return null;
  return `${what} ${proofNeeds(spec, scoped).replace(/^Needs/, 'needs')} Run it in the app (or link the live check’s record), then pass it.`;
}
