/** Figures as operators read them: no false precision, units always, "—" for no data. */
const nf = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const nf0 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function fmt(value: number | null | undefined, unit = '', digits: 0 | 1 = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const n = digits === 0 ? nf0.format(value) : nf.format(value);
  return unit ? `${n} ${unit}` : n;
}

export function pct(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return `${(ratio * 100).toFixed(ratio < 0.01 ? 2 : 1)} %`;
}
