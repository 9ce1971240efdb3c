/**
 * CSV for people (RFC 4180): CRLF between records, a field quoted when it holds a comma, a quote,
 * CR or LF, quotes doubled inside. A spreadsheet runs a cell that starts with =, +, -, @, TAB or CR
 * as a formula, and names, notes and e-mails are typed by people: such a cell gets a leading
 * apostrophe, so it is shown as the text it is (OWASP's CSV-injection advice).
 *
 * Not for the audit export: there every value must stay byte for byte what the hash covers.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvText(header: readonly string[], rows: readonly (readonly (string | null)[])[]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** "lagos-edge-ops": a name safe inside a file name. */
export function csvFileSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'org';
}
