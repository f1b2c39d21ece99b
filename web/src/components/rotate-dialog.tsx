import { useId, useState } from 'react';
import type { ApiKey, RotatedApiKey } from '../api/types';
import { useServices } from '../services';
import { Dialog } from './dialog';
import { ErrorNotice } from './notice';

/** Within the server's default KEY_ROTATION_MAX_GRACE (7 days); a longer one configured there can be asked for with the API. */
const GRACE_CHOICES = [
  { seconds: 0, label: 'Stop it now' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 3 * 86_400, label: '3 days' },
  { seconds: 7 * 86_400, label: '7 days' },
];

interface RotateDialogProps {
  apiKey: Pick<ApiKey, 'id' | 'name' | 'keyPrefix'>;
  onClose: () => void;
  onRotated: (key: RotatedApiKey) => void;
}

export function RotateDialog({ apiKey, onClose, onRotated }: RotateDialogProps) {
  const { keys } = useServices();
  const id = useId();
  const [grace, setGrace] = useState(86_400);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const rotate = async () => {
    setBusy(true);
    setError(null);
    try {
      onRotated(await keys.rotate(apiKey.id, grace));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Rotate “${apiKey.name}”?`}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button" onClick={() => void rotate()} disabled={busy}>
            Rotate
          </button>
        </>
      }
    >
      <p>
        A new key replaces <code>{apiKey.keyPrefix}…</code>, with the same name, scopes and limits. It is shown once. The old key keeps
        working for the grace period, so you can deploy the new one first; then it gets <code>401 api_key_rotated</code>.
      </p>
      <div className="field">
        <label htmlFor={`${id}-grace`}>Grace period for the old key</label>
        <select id={`${id}-grace`} value={grace} onChange={(event) => setGrace(Number(event.target.value))} data-autofocus>
          {GRACE_CHOICES.map((choice) => (
            <option key={choice.seconds} value={choice.seconds}>
              {choice.label}
            </option>
          ))}
        </select>
      </div>
      <ErrorNotice error={error} />
    </Dialog>
  );
}
