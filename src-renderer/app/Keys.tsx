/** Shortcut display: ['g', 's'] is a sequence, 'Ctrl+K' a chord; Ctrl reads as ⌘ on macOS. */
const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

export function Keys({ keys }: { keys: string[] }) {
  return (
    <span className="keys">
      {keys.map((k, i) => (
        <kbd key={i}>{isMac ? k.replace('Ctrl+', '⌘').replace('Alt+', '⌥') : k}</kbd>
      ))}
    </span>
  );
}
