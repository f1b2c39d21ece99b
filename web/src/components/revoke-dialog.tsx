import { useState } from 'react';
import type { ApiKey } from '../api/types';
import { useServices } from '../services';
import { Dialog } from './dialog';
import { ErrorNotice } from './notice';

interface RevokeDialogProps {
  apiKey: Pick<ApiKey, 'id' | 'name' | 'keyPrefix'>;
  onClose: () => void;
  onRevoked: (key: ApiKey) => void;
}

/** Revoking is permanent: the dialog names the key, and only its "Revoke" button does it. */
export function RevokeDialog({ apiKey, onClose, onRevoked }: RevokeDialogProps) {
  const { keys } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      onRevoked(await keys.revoke(apiKey.id));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Revoke “${apiKey.name}”?`}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button secondary" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className="button danger" onClick={() => void revoke()} disabled={busy}>
            Revoke
          </button>
        </>
      }
    >
      <p>
        The key <strong>{apiKey.name}</strong> (<code>{apiKey.keyPrefix}…</code>) stops working at once: every request with it, and with any
        key minted from it, gets <code>401 api_key_revoked</code>. This cannot be undone.
      </p>
      <ErrorNotice error={error} />
    </Dialog>
  );
}
