import { FormEvent, useId, useState } from 'react';
import { Dialog } from '../components/dialog';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { passwordError } from '../lib/account-errors';
import { useServices } from '../services';
import { useSession } from '../session';

/** Hands a file to the browser's downloads, from memory: no URL anyone else could open. */
function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has been handled: revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Account → Your data: export everything Argus holds about you, or delete the account. */
export function AccountDataPage() {
  const { auth } = useServices();
  const { ended } = useSession();
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const exportData = async () => {
    setExportError(null);
    setExported(false);
    setExporting(true);
    try {
      const { blob, filename } = await auth.exportData();
      save(blob, filename ?? 'argus-account.json');
      setExported(true);
    } catch (caught) {
      setExportError(caught);
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <PageHeading title="Your data" />
      <section className="panel" aria-labelledby="export-heading">
        <h2 id="export-heading">Export my data</h2>
        <p>
          One JSON file with your profile, your API keys (names, prefixes, scopes; never a key itself), your organisations and projects,
          your webhook endpoints (never their secrets), your sessions and the audit events about you.
        </p>
        <p role="status" className={exported ? 'notice info' : 'visually-hidden'}>
          {exported ? 'Your data is downloaded.' : ''}
        </p>
        <ErrorNotice error={exportError} />
        <button type="button" className="button" disabled={exporting} onClick={() => void exportData()}>
          Export my data
        </button>
      </section>
      <section className="panel danger-zone" aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete account</h2>
        <p>
          Every API key you own is revoked, then your account is removed with its sessions, memberships and webhooks. This cannot be undone.
          While you are the only owner of an organisation, make another member an owner or delete it first.
        </p>
        <button type="button" className="button danger-outline" onClick={() => setConfirming(true)}>
          Delete account
        </button>
      </section>
      {confirming && (
        <DeleteAccountDialog
          onClose={() => setConfirming(false)}
          onDeleted={() => ended('Your account is deleted. Every key you owned was revoked.')}
        />
      )}
    </>
  );
}

function DeleteAccountDialog({ onClose, onDeleted }: { onClose: () => void; onDeleted: () => void }) {
  const { auth } = useServices();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await auth.deleteAccount(password);
      onDeleted();
    } catch (caught) {
      setError(passwordError(caught));
      setPassword('');
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Delete your account?"
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="delete-account-form" className="button danger" disabled={busy}>
            Delete account
          </button>
        </>
      }
    >
      <p>Your API keys stop working at once and the account cannot be restored. Enter your password to confirm.</p>
      <ErrorNotice error={error} id={errorId} />
      <form id="delete-account-form" onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="delete-account-password">Password</label>
          <input
            id="delete-account-password"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            data-autofocus
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
          />
        </div>
      </form>
    </Dialog>
  );
}
