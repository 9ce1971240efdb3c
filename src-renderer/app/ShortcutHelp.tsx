import { Dialog } from '../components/Dialog';
import { useUi } from '../stores/ui-store';
import { buildCommands, VIEW_SHORTCUTS } from './commands';
import { Keys } from './Keys';

export function ShortcutHelp() {
  const setHelp = useUi((s) => s.setHelp);
  const global = buildCommands().filter((c) => c.keys.length > 0);
  return (
    <Dialog
      title="Keyboard shortcuts"
      onClose={() => setHelp(false)}
      footer={
        <button className="btn" onClick={() => setHelp(false)}>
          Close
        </button>
      }
    >
      <table className="grid">
        <tbody>
          {global.map((c) => (
            <tr key={c.id}>
              <td>{c.label}</td>
              <td>
                {c.keys.map((k, i) => (
                  <span key={i}>
                    {i > 0 && <span className="faint"> or </span>}
                    <Keys keys={k} />
                  </span>
                ))}
              </td>
            </tr>
          ))}
          {VIEW_SHORTCUTS.map((s) => (
            <tr key={`${s.view}-${s.label}`}>
              <td>
                <span className="faint">{s.view}:</span> {s.label}
              </td>
              <td>
                <Keys keys={s.keys} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
