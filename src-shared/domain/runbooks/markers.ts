import { VIEW_IDS } from '../../navigation';

/**
 * Runbook step markers (docs/formats.md, "Runbooks"). A runbook is Markdown: its first line is the
 * title (`# System down`), and each step starts with a marker heading followed by its directives:
 *
 *   ## Step check-status: Check component status
 *   @facts status, recent-changes
 *   @action deployments: Roll back the last deployment
 *   Free Markdown for the step…
 *
 * The parser is shared by the service (a save with a bad marker is refused) and the editor's
 * preview (the same errors, line by line, before saving).
 */

/** Named live-fact providers (src-main/services/runbooks/facts.ts). */
export const FACT_NAMES = ['status', 'recent-changes', 'pool', 'queue', 'access-log', 'backups'] as const;
export type FactName = (typeof FACT_NAMES)[number];

/**
 * Views a step's action may open. `backups` (read-only mode, restore, drills) and `credentials`
 * (rotate all) are built on parallel branches of issue 16; a link to a view this build lacks is
 * shown as text until they are merged.
 */
export const SEAM_VIEWS = ['backups', 'credentials'] as const;
export const ACTION_VIEWS: readonly string[] = [...VIEW_IDS, ...SEAM_VIEWS];

export const MAX_RUNBOOK_BYTES = 65_536;
export const MAX_STEPS = 40;
export const MAX_FACTS_PER_STEP = 6;
const MAX_TITLE = 200;
const MAX_STEP_TITLE = 120;
const MAX_ACTION_LABEL = 80;

export interface RunbookStepDef {
  id: string;
  title: string;
  facts: FactName[];
  action: { view: string; label: string } | null;
  /** The step's own Markdown (after its directives). */
  body: string;
  /** 1-based line of its marker heading. */
  line: number;
}

export interface ParsedRunbook {
  title: string;
  intro: string;
  steps: RunbookStepDef[];
}

export interface MarkerError {
  line: number;
  message: string;
}

export type ParseResult = { ok: true; runbook: ParsedRunbook } | { ok: false; errors: MarkerError[] };

const STEP_RE = /^## Step ([a-z0-9][a-z0-9-]{0,39}): (\S.*)$/;
/** Anything that looks like it meant to be a step marker but is not one. */
const STEP_LIKE_RE = /^#{1,6}\s*step\b/i;
const ACTION_RE = /^@action ([a-z][a-z-]*): (\S.*)$/;
const FENCE_RE = /^\s*(```|~~~)/;

export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

export function parseRunbook(source: string): ParseResult {
  const errors: MarkerError[] = [];
  const err = (line: number, message: string) => {
    if (errors.length < 50) errors.push({ line, message });
  };
  if (utf8Bytes(source) > MAX_RUNBOOK_BYTES) {
    return { ok: false, errors: [{ line: 1, message: `The runbook is larger than ${MAX_RUNBOOK_BYTES / 1024} KiB: split it or shorten it.` }] };
  }
  if (source.includes('\0')) return { ok: false, errors: [{ line: 1, message: 'The runbook contains a NUL character: paste it as plain text.' }] };
  const lines = source.replace(/\r\n?/g, '\n').split('\n');

  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const titleLine = lines[i] ?? '';
  const titleMatch = /^# (\S.*)$/.exec(titleLine);
  let title = '';
  if (!titleMatch) err(i + 1, 'The first line must be the runbook’s title, as “# Title”.');
  else {
    title = titleMatch[1]!.trim();
    if (title.length > MAX_TITLE) err(i + 1, `The title is longer than ${MAX_TITLE} characters.`);
  }
  i++;

  const intro: string[] = [];
  const steps: RunbookStepDef[] = [];
  // Declared through a cast: the loop assigns it, which TypeScript's narrowing of `= null` misses.
  let current = null as (RunbookStepDef & { bodyLines: string[]; directives: boolean }) | null;
  let fenced = false;
  let fenceLine = 0;
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    if (FENCE_RE.test(raw)) {
      fenced = !fenced;
      fenceLine = n;
    }
    if (!fenced && STEP_LIKE_RE.test(raw)) {
      const m = STEP_RE.exec(raw);
      if (!m) {
        err(n, 'A step marker reads “## Step <id>: <title>”, the id in small letters, digits and dashes (e.g. “## Step check-status: Check component status”).');
        continue;
      }
      const id = m[1]!;
      const stepTitle = m[2]!.trim();
      if (stepTitle.length > MAX_STEP_TITLE) err(n, `Step “${id}”: the title is longer than ${MAX_STEP_TITLE} characters.`);
      if (steps.some((s) => s.id === id) || current?.id === id) err(n, `Step id “${id}” is used twice: each step needs its own id.`);
      if (current) steps.push(finish(current));
      current = { id, title: stepTitle, facts: [], action: null, body: '', line: n, bodyLines: [], directives: true };
      continue;
    }
    if (!fenced && raw.startsWith('@')) {
      if (!current || !current.directives) {
        err(n, `“${raw.split(' ')[0]}” belongs directly under a step marker, before the step’s text.`);
        continue;
      }
      if (raw.startsWith('@facts ')) {
        if (current.facts.length > 0) err(n, `Step “${current.id}” has two @facts lines: list every fact on one.`);
        const names = raw.slice(7).split(',').map((s) => s.trim()).filter(Boolean);
        if (names.length === 0) err(n, '@facts names at least one fact.');
        if (names.length > MAX_FACTS_PER_STEP) err(n, `A step shows at most ${MAX_FACTS_PER_STEP} facts.`);
        for (const name of names) {
          if (!(FACT_NAMES as readonly string[]).includes(name)) err(n, `Unknown fact “${name}”: use ${FACT_NAMES.join(', ')}.`);
          else if (!current.facts.includes(name as FactName)) current.facts.push(name as FactName);
        }
        continue;
      }
      if (raw.startsWith('@action ')) {
        if (current.action) err(n, `Step “${current.id}” has two @action lines: a step has one action.`);
        const m = ACTION_RE.exec(raw);
        if (!m) {
          err(n, '@action reads “@action <view>: <label>”, e.g. “@action deployments: Roll back the last deployment”.');
          continue;
        }
        if (!ACTION_VIEWS.includes(m[1]!)) err(n, `Unknown view “${m[1]}” in @action: use one of ${ACTION_VIEWS.join(', ')}.`);
        const label = m[2]!.trim();
        if (label.length > MAX_ACTION_LABEL) err(n, `The action’s label is longer than ${MAX_ACTION_LABEL} characters.`);
        current.action = { view: m[1]!, label };
        continue;
      }
      err(n, `Unknown directive “${raw.split(' ')[0]}”: a step takes @facts and @action.`);
      continue;
    }
    if (current) {
      if (raw.trim() !== '') current.directives = false;
      current.bodyLines.push(raw);
    } else intro.push(raw);
  }
  if (fenced) err(fenceLine, 'A code block (```) is opened here and never closed.');
  if (current) steps.push(finish(current));
  if (steps.length === 0 && errors.length === 0) err(1, 'A runbook has at least one step: add “## Step <id>: <title>”.');
  if (steps.length > MAX_STEPS) err(steps[MAX_STEPS]!.line, `A runbook has at most ${MAX_STEPS} steps.`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, runbook: { title, intro: intro.join('\n').trim(), steps } };
}

function finish(s: RunbookStepDef & { bodyLines: string[]; directives: boolean }): RunbookStepDef {
  return { id: s.id, title: s.title, facts: s.facts, action: s.action, body: s.bodyLines.join('\n').trim(), line: s.line };
}

/** The errors as one message for the contract's VALIDATION error (at most the first five). */
export function markerErrorText(errors: readonly MarkerError[]): string {
  const shown = errors.slice(0, 5).map((e) => `line ${e.line}: ${e.message}`);
  return `The runbook was not saved. ${shown.join(' ')}${errors.length > 5 ? ` (and ${errors.length - 5} more)` : ''}`;
}
