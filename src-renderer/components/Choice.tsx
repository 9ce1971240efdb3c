/**
 * A select over records that exist (corridors, sites, customers, runtime groups): one option per
 * record by id, and an optional first "none" option whose value is ''. Labelled for screen readers
 * and specs alike.
 */
export function Choice({ label, value, onChange, options, none }: { label: string; value: string; onChange: (id: string) => void; options: readonly { id: string; name: string }[]; none?: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {none !== undefined && <option value="">{none}</option>}
      {options.map((o) => (
        <option key={o.id} value={o.id}>
          {o.name}
        </option>
      ))}
    </select>
  );
}
