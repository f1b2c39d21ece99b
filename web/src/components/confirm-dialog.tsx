import { ReactNode, useState } from 'react';
import { Dialog } from './dialog';
import { ErrorNotice } from './notice';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  /** The confirming button's label: the action itself ("Deactivate", "Delete"), never "OK". */
  confirm: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}

/** A question before an action: Cancel has focus; the API's refusal is shown in the dialog, which stays open. */
export function ConfirmDialog({ title, children, confirm, danger = false, onConfirm, onClose }: ConfirmDialogProps) {
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
          <button type="button" className={danger ? 'button danger' : 'button'} disabled={busy} onClick={() => void run()}>
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
