import { ReactNode, useState } from 'react';
import { Dialog } from './dialog';
import { ErrorNotice } from './notice';

interface ConfirmDialogProps {
  title: string;
  /** The confirming button's label ("Delete organization"): the only control that does it. */
  confirm: string;
  children: ReactNode;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/** A destructive action asked for in a dialog that names what it acts on; Cancel has the focus. */
export function ConfirmDialog({ title, confirm, children, onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={title}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button secondary" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className="button danger" onClick={() => void run()} disabled={busy}>
            {confirm}
          </button>
        </>
      }
    >
      {children}
      <ErrorNotice error={error} />
    </Dialog>
  );
}
