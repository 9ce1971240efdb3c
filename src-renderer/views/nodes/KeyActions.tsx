import { useState } from 'react';
import type { NodeKey } from '../../../src-shared/contract/grid';
import { call } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { ReasonDialog } from '../../components/ReasonDialog';
import { SecretDialog } from '../../components/SecretDialog';
import { useUi } from '../../stores/ui-store';

/** Issue, rotate and revoke, shared by a node's page and the keys page. */
export function useKeyActions(onChanged: () => void) {
  const toast = useUi((s) => s.toast);
  const [secret, setSecret] = useState<{ title: string; value: string; note: string } | null>(null);
  const [revoking, setRevoking] = useState<NodeKey | null>(null);
  const [rotating, setRotating] = useState<NodeKey | null>(null);
  const [issuing, setIssuing] = useState<{ nodeId: string; hostname: string } | null>(null);

  const dialogs = (
    <>
      {secret && <SecretDialog title={secret.title} secret={secret.value} note={secret.note} onClose={() => setSecret(null)} />}
      {revoking && (
        <ReasonDialog
          title={`Revoke ${revoking.prefix}… (${revoking.hostname})`}
          confirmLabel="Revoke now"
          danger
          placeholder="e.g. node reimaged; key may have leaked"
          onClose={() => setRevoking(null)}
          onSubmit={async (reason) => {
            await call('keys.revoke', { keyId: revoking.id, reason });
            toast('ok', `${revoking.prefix}… revoked: every call with it is refused from now on.`);
            onChanged();
          }}
        >
          <p>Revoking is immediate. The node stops reporting until it gets a new key.</p>
        </ReasonDialog>
      )}
      {rotating && (
        <RotateDialog
          k={rotating}
          onClose={() => setRotating(null)}
          onDone={(value, graceUntil) => {
            setRotating(null);
            setSecret({
              title: `New key for ${rotating.hostname}`,
              value,
              note: `Install it on ${rotating.hostname}. The old key ${rotating.prefix}… keeps working until ${new Date(graceUntil).toLocaleString()}.`,
            });
            onChanged();
          }}
        />
      )}
      {issuing && (
        <IssueDialog
          nodeId={issuing.nodeId}
          hostname={issuing.hostname}
          onClose={() => setIssuing(null)}
          onDone={(value) => {
            setIssuing(null);
            setSecret({ title: `Key for ${issuing.hostname}`, value, note: `Install it on ${issuing.hostname} as its node key (ume_node_…).` });
            onChanged();
          }}
        />
      )}
    </>
  );
  return { dialogs, revoke: setRevoking, rotate: setRotating, issue: setIssuing };
}

function IssueDialog({ nodeId, hostname, onClose, onDone }: { nodeId: string; hostname: string; onClose: () => void; onDone: (secret: string) => void }) {
  const [label, setLabel] = useState('');
  const [days, setDays] = useState('365');
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    try {
      const r = await call('keys.issue', { nodeId, label, expiresInDays: days === 'never' ? null : Number(days) });
      onDone(r.secret);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Dialog
      title={`Issue a key for ${hostname}`}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} data-testid="issue-key">
            Issue key
          </button>
        </>
      }
    >
      <label className="field">
        <span>Label (what it is for)</span>
        <input autoFocus value={label} maxLength={80} onChange={(e) => setLabel(e.target.value)} placeholder="agent on the host" />
      </label>
      <ExpiryField days={days} onChange={setDays} />
      {error && <div className="err">{error}</div>}
    </Dialog>
  );
}

function RotateDialog({ k, onClose, onDone }: { k: NodeKey; onClose: () => void; onDone: (secret: string, graceUntil: string) => void }) {
  const [hours, setHours] = useState(24);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    try {
      const r = await call('keys.rotate', { keyId: k.id, graceHours: hours });
      onDone(r.secret, r.previous.graceUntil ?? new Date().toISOString());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Dialog
      title={`Rotate ${k.prefix}… (${k.hostname})`}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} data-testid="rotate-key">
            Rotate
          </button>
        </>
      }
    >
      <p>A new key replaces this one. Until the grace period ends both work, so the node can switch without a gap.</p>
      <GraceField hours={hours} onChange={setHours} />
      {error && <div className="err">{error}</div>}
    </Dialog>
  );
}

/** A key's expiry when issued, for node and customer keys alike ('never' or days). */
export function ExpiryField({ days, onChange }: { days: string; onChange: (d: string) => void }) {
  return (
    <label className="field">
      <span>Expires</span>
      <select value={days} onChange={(e) => onChange(e.target.value)}>
        <option value="30">in 30 days</option>
        <option value="90">in 90 days</option>
        <option value="365">in a year</option>
        <option value="never">never</option>
      </select>
    </label>
  );
}

/** How long a rotated key keeps working; none stops it now (a leak). */
export function GraceField({ hours, onChange }: { hours: number; onChange: (h: number) => void }) {
  return (
    <label className="field">
      <span>Grace period</span>
      <select value={hours} onChange={(e) => onChange(Number(e.target.value))} autoFocus>
        <option value={0}>none: the old key stops now</option>
        <option value={1}>1 hour</option>
        <option value={24}>24 hours</option>
        <option value={168}>7 days</option>
      </select>
    </label>
  );
}
