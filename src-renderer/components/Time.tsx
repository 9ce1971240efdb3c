import { useEffect, useState } from 'react';

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

export function relative(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 10) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') return rtf.format(Math.round(seconds / size), unit);
  }
  return iso;
}

export function localTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Local time on screen, UTC in the tooltip and the datetime attribute (what the wire carries). */
export function Time({ iso, mode = 'relative' }: { iso: string; mode?: 'relative' | 'local' }) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (mode !== 'relative') return;
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, [mode]);
  return (
    <time dateTime={iso} title={`${localTime(iso)} (${iso} UTC)`}>
      {mode === 'relative' ? relative(iso) : localTime(iso)}
    </time>
  );
}
