import type { OwnerEstimate, PayoutEstimate, SiteEstimate } from '../contract/payouts';
import { csvFileSlug, csvText } from './csv';
import { formatCents, NO_RATE_CARD_NOTE } from './payouts';

/**
 * The payout estimate as files (docs/formats.md, "Payout estimates"): CSV with one row per owner ×
 * site, and a self-contained HTML report (inline CSS with print rules, no script, no external
 * asset) that prints to PDF from any browser.
 */
export const PAYOUT_CSV_COLUMNS = [
  'period_from',
  'period_to',
  'owner',
  'site_key',
  'site_name',
  'country',
  'nodes',
  'gpus',
  'gpu_hours',
  'tokens',
  'usage_events',
  'simulated_tokens_excluded',
  'energy_kwh',
  'energy_coverage_pct',
  'availability_pct',
  'uptime_target_pct',
  'currency',
  'gpu_amount',
  'token_amount',
  'energy_amount',
  'credit_pct',
  'credit_amount',
  'site_total',
  'rate_card_version',
  'status',
  'notes',
] as const;

const num = (v: number | null) => (v === null ? null : String(v));
const money = (v: number | null) => (v === null ? null : formatCents(v));

function siteRow(e: PayoutEstimate, owner: OwnerEstimate, s: SiteEstimate): (string | null)[] {
  const card = e.rateCard;
  return [
    e.period.from,
    e.period.to,
    owner.ownerName,
    s.siteKey,
    s.siteName,
    s.country,
    String(s.nodes),
    String(s.gpus),
    num(s.gpuHours.value),
    num(s.tokens.value),
    String(s.tokens.events),
    e.includeSimulated ? '0' : num(s.simulatedTokens.value),
    num(s.energyKwh.value),
    num(s.energyKwh.coveragePct),
    num(s.availability.value),
    num(s.availability.targetPct),
    card?.currency ?? null,
    money(s.amounts.gpu),
    money(s.amounts.tokens),
    money(s.amounts.energy),
    num(s.amounts.creditPct),
    money(s.amounts.credit),
    money(s.amounts.total),
    card ? String(card.version) : null,
    e.period.partial ? 'estimate (period not over)' : 'estimate',
    s.notes.join(' '),
  ];
}

/** Every owner × site of the estimate, or one owner's sites. An empty cell is a figure with no records. */
export function payoutsCsv(e: PayoutEstimate, ownerName?: string): string {
  const owners = ownerName === undefined ? e.owners : e.owners.filter((o) => o.ownerName === ownerName);
  return csvText(
    PAYOUT_CSV_COLUMNS,
    owners.flatMap((o) => o.sites.map((s) => siteRow(e, o, s))),
  );
}

/** "payout-estimate-equinix-2026-11-v3.csv": owner (or org), period start, card version. */
export function payoutsFileName(e: PayoutEstimate, ext: 'csv' | 'html', ownerName?: string): string {
  const who = csvFileSlug(ownerName ?? e.orgName);
  const version = e.rateCard ? `-v${e.rateCard.version}` : '-no-rate-card';
  return `payout-estimate-${who}-${e.period.from.slice(0, 10)}${version}.${ext}`;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!);

const cell = (v: string | null, unit = '') => (v === null ? '<td class="none">no data</td>' : `<td class="n">${escapeHtml(v)}${unit}</td>`);
const amount = (cents: number | null, currency: string) => (cents === null ? '<td class="none">—</td>' : `<td class="n">${escapeHtml(formatCents(cents))} ${escapeHtml(currency)}</td>`);

const CSS = `
  :root { color-scheme: light; }
  body { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 24px; }
  h1 { font-size: 16pt; margin: 0 0 4px; } h2 { font-size: 13pt; margin: 24px 0 6px; } h3 { font-size: 11pt; margin: 16px 0 4px; }
  .banner { border: 2px solid #a15c00; color: #7a4500; padding: 6px 10px; font-weight: 600; margin: 8px 0 12px; }
  table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
  th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
  th { background: #eee; } td.n { text-align: right; font-variant-numeric: tabular-nums; } td.none { color: #777; font-style: italic; }
  .basis { color: #444; font-size: 9pt; } .meta { color: #444; } ul.notes { margin: 4px 0; padding-left: 18px; color: #5a3a00; }
  section.owner { page-break-after: always; break-after: page; } section.owner:last-of-type { page-break-after: auto; break-after: auto; }
  @page { size: A4; margin: 14mm; }
  @media print { body { margin: 0; } .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; } tr { break-inside: avoid; } }
`;

function rateCardHtml(e: PayoutEstimate): string {
  const c = e.rateCard;
  if (!c) return '<p class="meta">No rate card saved yet: figures only, no amounts.</p>';
  const rows = [
    ...c.gpuHourRates.map((r) => `<tr><td>GPU-hour, ${escapeHtml(r.gpuClass)}</td><td class="n">${r.rate} ${escapeHtml(c.currency)}</td></tr>`),
    `<tr><td>GPU-hour, any other class</td><td class="n">${c.defaultGpuHourRate} ${escapeHtml(c.currency)}</td></tr>`,
    `<tr><td>Per million tokens</td><td class="n">${c.perMillionTokens} ${escapeHtml(c.currency)}</td></tr>`,
    `<tr><td>Energy pass-through per kWh</td><td class="n">${c.energyPerKwh} ${escapeHtml(c.currency)}</td></tr>`,
    `<tr><td>Availability target (${escapeHtml(c.slaPolicyName)})</td><td class="n">${c.uptimeTargetPct} %</td></tr>`,
    `<tr><td>Credit per point below target (cap)</td><td class="n">${c.creditPctPerPoint} % (${c.maxCreditPct} %)</td></tr>`,
  ];
  return `<p class="meta">Rate card version ${c.version}, saved ${escapeHtml(c.createdAt)}${c.createdBy ? ` by ${escapeHtml(c.createdBy)}` : ''}.</p><table><tbody>${rows.join('')}</tbody></table>`;
}

function siteHtml(e: PayoutEstimate, s: SiteEstimate): string {
  const cur = e.rateCard?.currency ?? '';
  const fig = (label: string, value: string | null, unit: string, basis: string, cents: number | null) =>
    `<tr><td>${label}<div class="basis">${escapeHtml(basis)}</div></td>${cell(value, unit)}${amount(cents, cur)}</tr>`;
  const creditLabel = s.amounts.creditPct === null ? 'Availability credit' : `Availability credit (${s.amounts.creditPct} %)`;
  return `<h3>${escapeHtml(s.siteName)} <span class="meta">(${escapeHtml(s.siteKey)}, ${escapeHtml(s.country)}; ${s.nodes} nodes, ${s.gpus} GPUs)</span></h3>
<table><thead><tr><th>Figure</th><th>Value</th><th>Amount</th></tr></thead><tbody>
${fig('GPU-hours served', num(s.gpuHours.value), ' h', s.gpuHours.basis, s.amounts.gpu)}
${fig('Tokens served', num(s.tokens.value), '', s.tokens.basis, s.amounts.tokens)}
${fig('Energy', num(s.energyKwh.value), ' kWh', s.energyKwh.basis, s.amounts.energy)}
${fig(`Availability / ${escapeHtml(creditLabel)}`, num(s.availability.value), ' %', s.availability.basis, s.amounts.credit === null ? null : -s.amounts.credit)}
<tr><td>Simulated traffic (${e.includeSimulated ? 'included' : 'not in the estimate'})<div class="basis">${escapeHtml(s.simulatedTokens.basis)}</div></td>${cell(num(s.simulatedTokens.value), ' tokens')}<td class="none">—</td></tr>
<tr><th colspan="2">Site estimate</th>${amount(s.amounts.total, cur)}</tr>
</tbody></table>${s.notes.length ? `<ul class="notes">${s.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}`;
}

/** The report for one owner, or every owner (one per printed page). */
export function payoutsReportHtml(e: PayoutEstimate, ownerName?: string): string {
  const owners = ownerName === undefined ? e.owners : e.owners.filter((o) => o.ownerName === ownerName);
  const cur = e.rateCard?.currency ?? '';
  const title = `Payout estimate — ${ownerName ?? e.orgName} — ${e.period.label}`;
  // The rate card section says "no rate card" itself.
  const notes = e.notes.filter((n) => n !== NO_RATE_CARD_NOTE);
  const body = owners
    .map(
      (o) => `<section class="owner"><h2>${escapeHtml(o.ownerName)}</h2>
<p class="meta">Estimated payout: <strong>${o.totalCents === null ? 'no amount (no rate card)' : `${escapeHtml(formatCents(o.totalCents))} ${escapeHtml(cur)}`}</strong>${o.complete ? '' : ' — some figures have no records; see the notes under each site.'}</p>
${o.sites.map((s) => siteHtml(e, s)).join('\n')}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="banner">ESTIMATE — computed from operational records (telemetry and usage events); not an invoice or a statement.${e.period.partial ? ' The period is not over: figures run to the time generated.' : ''}</div>
<p class="meta">${escapeHtml(e.orgName)} · period ${escapeHtml(e.period.from)} to ${escapeHtml(e.period.to)} (end excluded) · generated ${escapeHtml(e.generatedAt)} · simulated traffic ${e.includeSimulated ? 'included' : 'excluded'}</p>
${rateCardHtml(e)}
${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
${body || '<p>No sites in this org.</p>'}
</body></html>
`;
}
