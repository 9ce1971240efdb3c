/**
 * An identifier (a model id such as `meta-llama/Llama-3.1-8B-Instruct`, a hostname) on one line:
 * a table squeezed to a laptop's width broke it at its hyphens and slashes, which reads as several
 * words. Past its room it is cut with an ellipsis; the whole id is its title (hover).
 */
export function Id({ value, testId }: { value: string; testId?: string }) {
  return (
    <span className="id-cut" title={value} data-testid={testId}>
      {value}
    </span>
  );
}
