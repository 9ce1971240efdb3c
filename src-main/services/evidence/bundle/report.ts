import { recordName } from '../../../../src-shared/domain/evidence/record-names';
import { scopeText, scopeTitle } from '../../../../src-shared/domain/evidence/bundle-scope';
import { standardCommands } from '../../../../src-shared/domain/evidence/commands';
import type { Manifest } from './bundle';
import type { Digest, DigestSection } from './digest';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * report.html: one self-contained page (no network, no external file; works from file:// and
 * prints). It states the bundle as a report, and re-checks it in the browser when the auditor
 * picks the unzipped folder: every file against SHA256SUMS (and no file more), the Ed25519
 * signature, the signed checkpoint, each audit event's hash and its inclusion proof. It says
 * plainly which check failed. WebCrypto's Ed25519 and SHA-256 do the cryptography.
 */
export function bundleReport(m: Manifest, d: Digest): string {
  const scope = scopeTitle(m.scope);
  // The manifest rides along as JSON; `<` is escaped so no value can close the script element.
  const data = JSON.stringify(m).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>Evidence bundle: ${esc(scope)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#111;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse}td,th{padding:.2em .8em .2em 0;text-align:left;vertical-align:top}
table.records{font-size:12.5px;width:100%}table.records th{border-bottom:1px solid #999}table.records td{border-bottom:1px solid #eee;overflow-wrap:anywhere}table.records td.k{white-space:nowrap}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
tr{break-inside:avoid}.n{text-align:right}.muted{color:#555}code{font-family:ui-monospace,monospace;font-size:.92em;word-break:break-all}
#standing[data-state=fail]{color:#c62828;font-weight:600}
#verdict{padding:.6em .8em;border:2px solid #888;margin:1em 0;font-weight:600}
#verdict[data-state=pass]{border-color:#1a7f37;color:#1a7f37}#verdict[data-state=fail]{border-color:#c62828;color:#c62828}
li[data-ok=false]{color:#c62828}li[data-ok=true]::marker{content:"✓ "}li[data-ok=false]::marker{content:"✗ "}
.simulated{background:#fff4d6;border:1px solid #c9a227;padding:.4em .8em}
@media print{#check{display:none}body{margin:0;max-width:none}}
</style></head><body>
<h1>Evidence bundle</h1>
<p id="standing" data-state="unchecked" data-testid="standing">What this page states comes from the bundle's own manifest and records and is <strong>not checked yet</strong>: run the check below, or the commands at the end, before relying on it.</p>
${m.org.simulated ? '<p class="simulated"><strong data-testid="simulated">A demo org: its records are simulated.</strong> Nothing in this bundle happened on a real grid.</p>\n' : ''}<table>
<tr><th>Org</th><td>${esc(m.org.name)} <code>${esc(m.org.id)}</code></td></tr>
<tr><th>Scope</th><td><span data-testid="scope">${esc(scope)}</span><br><span class="muted">${esc(scopeText(m.scope))}</span></td></tr>
<tr><th>Exported</th><td>${esc(m.exported_at)} by Mission Control ${esc(m.app_version)}</td></tr>
<tr><th>Bundle</th><td><code>${esc(m.bundle_id)}</code></td></tr>
<tr><th>Audit log</th><td>${m.audit.events} events of this scope${m.audit.first_seq === null ? '' : ` (#${m.audit.first_seq} to #${m.audit.last_seq})`}, in a log of ${m.audit.tree_size} events; Merkle root <code>${esc(m.audit.root)}</code></td></tr>
<tr><th>Signed by</th><td><code>${esc(m.key.name)}</code><br>fingerprint <code data-testid="fingerprint">${esc(m.key.fingerprint)}</code> (compare with the one you pinned)</td></tr>
${keyRows(m)}</table>
<h2>Check this bundle</h2>
<p>This page checks nothing by itself: pick the folder you unzipped the bundle into. Nothing leaves this computer.</p>
<p id="check"><input type="file" id="folder" webkitdirectory multiple aria-label="Unzipped bundle folder"></p>
<div id="verdict" data-state="unchecked" role="status">Not checked yet.</div>
<ul id="checks"></ul>
<p class="muted">The tables below are a reading aid: Mission Control wrote them from the bundle's records when it exported them.
The evidence is the records files, signed through <code>SHA256SUMS</code> (which covers this page too); every table names its file, which holds every row.</p>
<h2>What this bundle holds</h2>
${holdings(m)}
${eventsSection(d)}
${d.sections.map(section).join('\n')}
<h2>Or check with standard tools</h2>
<p>In a shell, as README.txt explains each step:</p>
<pre data-testid="commands">${standardCommands(m.key.identity, m.files).map(esc).join('\n')}</pre>
<script id="manifest" type="application/json">${data}</script>
<script>
${REPORT_SCRIPT}
</script>
</body></html>
`;
}

/** Each records file in words, with its line count (a file the scope does not cover says so). */
function holdings(m: Manifest): string {
  const rows = Object.entries(m.counts)
    .map(([file, n]) => `<tr><td>${esc(recordName(file))}</td><td class="n">${n === 0 ? '<span class="muted">none</span>' : n}</td><td><code>${esc(file)}</code></td></tr>`)
    .join('');
  return `<table class="records" data-testid="holdings"><tr><th>Records</th><th class="n">Lines</th><th>File</th></tr>${rows}</table>`;
}

/** Cells up to this many characters never wrap ("2026-12-07 14:30 UTC", "nodes.lifecycle_changed"). */
const KEEP = 24;

function table(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  // A short value (a seq, a time, an action, a state) stays on one line: only long text wraps, so
  // "#26" or "completed" is never split between lines to make room for a long note.
  const body = rows.map((r) => `<tr>${r.map((c) => `<td${c.length <= KEEP ? ' class="k"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table class="records"><tr>${head}</tr>${body}</table>`;
}

/** "All 12 are shown." or "The oldest 50 of 9 120 are shown; every one is in records/x.jsonl." */
function shown(n: number, total: number, file: string, oldest: boolean): string {
  const which = n === total ? (total === 1 ? 'The one record is shown' : `All ${total} are shown`) : `The ${oldest ? 'oldest' : 'first'} ${n} of ${total} are shown`;
  return `<p class="muted">${which}; every one is in <code>${esc(file)}</code>.</p>`;
}

function eventsSection(d: Digest): string {
  const e = d.events;
  if (e.total === 0) return '<h2>Audit events</h2><p data-testid="events">This scope holds no audit event.</p>';
  const actions = e.actions.map(([a, n]) => `${esc(a)} (${n})`).join(', ') + (e.otherActions ? `, and ${e.otherActions} events of other actions` : '');
  return `<h2>Audit events</h2>
<p data-testid="events">${e.total} audit event${e.total === 1 ? '' : 's'}, by action: ${actions}.</p>
${table(e.columns, e.rows)}
${shown(e.rows.length, e.total, 'records/audit-events.jsonl', true)}`;
}

function section(s: DigestSection): string {
  return `<h2>${esc(s.title)}</h2>
${table(s.columns, s.rows)}
${shown(s.rows.length, s.total, s.file, s.oldest)}`;
}

/**
 * The in-page checker (plain ES2020, no import): files against SHA256SUMS and none added, the key's
 * fingerprint, the Ed25519 signature, the signed checkpoint, each audit event's hash and inclusion
 * proof. `npm run evidence -- verify` also checks the SSHSIG, a period's run and the consistency proof.
 */
const REPORT_SCRIPT = String.raw`
'use strict';
const M = JSON.parse(document.getElementById('manifest').textContent);
const enc = new TextEncoder();
const sha256 = async (b) => new Uint8Array(await crypto.subtle.digest('SHA-256', b));
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const toB64 = (b) => btoa(String.fromCharCode(...b));
const cat = (...p) => { const o = new Uint8Array(p.reduce((n, x) => n + x.length, 0)); let i = 0; for (const x of p) { o.set(x, i); i += x.length; } return o; };
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const node = async (l, r) => sha256(cat(Uint8Array.of(1), l, r));
// RFC 9162 section 2.1.3.2: verify an inclusion proof.
async function included(index, size, leaf, proof, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await node(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else r = await node(r, p);
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(r, root);
}
const list = document.getElementById('checks');
const verdict = document.getElementById('verdict');
function say(ok, text) { const li = document.createElement('li'); li.dataset.ok = String(ok); li.textContent = text; list.append(li); return ok; }
async function check(files) {
  list.textContent = '';
  verdict.dataset.state = 'checking'; verdict.textContent = 'Checking…';
  const byPath = new Map();
  for (const f of files) byPath.set(f.webkitRelativePath.split('/').slice(1).join('/') || f.name, f);
  const bytes = async (p) => { const f = byPath.get(p); return f ? new Uint8Array(await f.arrayBuffer()) : null; };
  const text = async (p) => { const b = await bytes(p); return b === null ? null : new TextDecoder().decode(b); };
  let ok = true;
  const sums = await bytes('SHA256SUMS');
  if (!sums) { say(false, 'SHA256SUMS is missing: pick the folder the bundle was unzipped into.'); return finish(false); }
  const listed = new Map();
  for (const line of new TextDecoder().decode(sums).split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) { ok = say(false, 'SHA256SUMS has a line that is not "<sha256>  <path>": ' + line.slice(0, 80)) && ok; continue; }
    listed.set(m[2], m[1]);
  }
  let bad = 0;
  for (const [p, h] of listed) {
    const b = await bytes(p);
    if (b === null) { bad++; say(false, p + ' is listed in SHA256SUMS but missing'); }
    else if (hex(await sha256(b)) !== h) { bad++; say(false, p + ' does not match its sha256 in SHA256SUMS (edited)'); }
  }
  const extra = [...byPath.keys()].filter((p) => !listed.has(p) && !/^SHA256SUMS(\.sig|\.ed25519)?$/.test(p));
  for (const p of extra) say(false, p + ' is not listed in SHA256SUMS (added)');
  ok = say(bad === 0 && extra.length === 0, listed.size + ' files listed; ' + (bad + extra.length === 0 ? 'every one matches and none was added' : bad + ' missing or edited, ' + extra.length + ' added')) && ok;
  ok = say(listed.size === M.files, 'The manifest counts ' + M.files + ' files; SHA256SUMS lists ' + listed.size) && ok;
  const pem = await text('keys/signing-key.pub.pem');
  let key = null;
  try {
    const der = b64(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
    key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
    const raw = der.slice(der.length - 32);
    const blob = cat(Uint8Array.of(0, 0, 0, 11), enc.encode('ssh-ed25519'), Uint8Array.of(0, 0, 0, 32), raw);
    const fp = 'SHA256:' + toB64(await sha256(blob)).replace(/=+$/, '');
    ok = say(fp === M.key.fingerprint, 'The signing key\'s fingerprint is ' + fp + (fp === M.key.fingerprint ? '' : ', not the manifest\'s ' + M.key.fingerprint)) && ok;
  } catch (e) { ok = say(false, 'keys/signing-key.pub.pem is not an Ed25519 public key') && ok; }
  const sig = await bytes('SHA256SUMS.ed25519');
  const signed = key && sig ? await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, sums) : false;
  ok = say(signed, signed ? 'SHA256SUMS carries a valid Ed25519 signature by that key' : 'SHA256SUMS.ed25519 is not a valid signature of SHA256SUMS by that key (edited or re-signed)') && ok;
  const note = await text('log/checkpoint');
  let size = -1, root = null;
  try {
    const cut = note.lastIndexOf('\n\n');
    const body = note.slice(0, cut + 1);
    const lines = body.split('\n');
    size = Number(lines[1]); root = b64(lines[2]);
    let valid = false;
    for (const s of note.slice(cut + 2).split('\n').filter(Boolean)) {
      const sigBytes = b64(s.split(' ').pop());
      if (await crypto.subtle.verify({ name: 'Ed25519' }, key, sigBytes.slice(4), enc.encode(body))) valid = true;
    }
    ok = say(valid, valid ? 'The checkpoint (' + size + ' events) is signed by that key' : 'The checkpoint\'s signature does not verify') && ok;
    ok = say(size === M.audit.tree_size && toB64(root) === M.audit.root, 'The checkpoint states the manifest\'s log: ' + size + ' events, root ' + toB64(root)) && ok;
  } catch (e) { ok = say(false, 'log/checkpoint is not a signed checkpoint') && ok; }
  const events = ((await text('records/audit-events.jsonl')) || '').split('\n').filter(Boolean);
  const proofs = ((await text('log/proofs/inclusion.jsonl')) || '').split('\n').filter(Boolean);
  let failed = 0, prevSeq = 0;
  if (events.length !== proofs.length) failed++;
  for (let i = 0; i < events.length && root; i++) {
    const e = JSON.parse(events[i]);
    const p = JSON.parse(proofs[i] || '{}');
    const body = enc.encode(e.canonical);
    const chainOk = hex(await sha256(cat(enc.encode(e.prev_hash), body))) === e.hash && JSON.parse(e.canonical).seq === e.seq;
    const inOk = p.seq === e.seq && e.seq > prevSeq && await included(e.seq - 1, size, await sha256(cat(Uint8Array.of(0), body)), (p.proof || []).map(b64), root);
    if (!chainOk || !inOk) { failed++; if (failed <= 5) say(false, 'Audit event #' + e.seq + (chainOk ? ' is not in the signed log at its position (edited, removed or reordered)' : '\'s hash does not match its text')); }
    prevSeq = e.seq;
  }
  const counted = events.length === M.audit.events;
  ok = say(failed === 0 && counted, events.length + ' audit events; ' + (failed === 0 && counted ? 'each hash matches and each is proven in the signed log' : [failed ? failed + ' of them fail' + (failed === 1 ? 's' : '') : '', counted ? '' : 'the manifest counts ' + M.audit.events].filter(Boolean).join('; '))) && ok;
  return finish(ok);
}
const standing = document.getElementById('standing');
function finish(ok) {
  // The page's header is the bundle's own claim until the check has run; then it says what the check found.
  standing.dataset.state = ok ? 'pass' : 'fail';
  standing.textContent = ok
    ? 'Checked on this computer: every file matches SHA256SUMS, its signature holds and every audit event is proven in the signed log. Compare the key fingerprint with the one you pinned.'
    : 'This bundle FAILED its checks (below): do not rely on what this page states.';
  verdict.dataset.state = ok ? 'pass' : 'fail';
  verdict.textContent = ok ? 'All checks passed.' : 'This bundle FAILED its checks: see the lines marked ✗.';
}
document.getElementById('folder').addEventListener('change', (ev) => { check(Array.from(ev.target.files)).catch((e) => { say(false, 'The check stopped: ' + e.message); finish(false); }); });
`;

/**
 * Every key of the workstation for the org (keys/keys.json): the current one signed SHA256SUMS and
 * the checkpoint; a retired one may only have signed an older checkpoint (consistency.json).
 */
function keyRows(m: Manifest): string {
  const retired = (m.keys ?? []).filter((k) => k.retired_at !== null);
  if (retired.length === 0) return '';
  const items = retired.map((k) => `<li><code>${esc(k.fingerprint)}</code> retired ${esc(k.retired_at as string)} (<code>${esc(k.file)}</code>)</li>`).join('');
  return `<tr><th>Retired keys</th><td data-testid="retired-keys">Rotated out on the exporting workstation; valid only for checkpoints signed before their retirement, never for SHA256SUMS:<ul>${items}</ul></td></tr>\n`;
}
