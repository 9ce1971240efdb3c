/**
 * How much of a text field's limit is used, shown once it matters (from 80 %). At the limit it says
 * so plainly: the browser cuts a longer paste to the limit without a word.
 */
export function LengthHint({ value, max }: { value: string; max: number }) {
  if (value.length < max * 0.8) return null;
  const atLimit = value.length >= max;
  return (
    <span className={`length-hint ${atLimit ? 'at-limit' : ''}`} data-testid="length-hint" aria-live="polite">
      {value.length.toLocaleString('en-US')} / {max.toLocaleString('en-US')} characters
      {atLimit ? ': the limit. Anything longer was cut; put the rest in a second note or link it as evidence.' : ''}
    </span>
  );
}
