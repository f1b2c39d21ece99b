import { FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { ApiError } from '../api/client';
import type { MfaStatus, TotpEnrolment } from '../api/types';
import { formatDateTime } from '../lib/format';
import { useServices } from '../services';
import { ErrorNotice } from './notice';
import { ProofDialog } from './proof-dialog';
import { RecoveryCodes } from './recovery-codes';

type Asking = 'disable' | 'regenerate' | null;

/** Account → Security's "Two-factor authentication": set up an authenticator app, recovery codes, turn off. */
export function TwoFactorSection() {
  const { mfa } = useServices();
  const [status, setStatus] = useState<MfaStatus | null>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [asking, setAsking] = useState<Asking>(null);
  const [error, setError] = useState<unknown>(null);
  const [announcement, setAnnouncement] = useState('');
  const headingId = useId();

  const load = useCallback(
    () =>
      mfa.status().then(
        (next) => setStatus(next),
        (caught: unknown) => setError(caught),
      ),
    [mfa],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const start = async () => {
    setError(null);
    try {
      setEnrolment(await mfa.startTotp());
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Two-factor authentication</h2>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {status?.required && !status.enabled && (
        <p className="notice warning">
          This server requires two-factor authentication for administrators: set it up to use the admin pages.
        </p>
      )}
      {codes ? (
        <RecoveryCodes
          codes={codes}
          onDone={() => {
            setCodes(null);
            void load();
          }}
        />
      ) : enrolment ? (
        <TotpSetup
          enrolment={enrolment}
          onCancel={() => setEnrolment(null)}
          onEnabled={(recoveryCodes) => {
            setEnrolment(null);
            setCodes(recoveryCodes);
            setAnnouncement('Two-factor authentication is on.');
          }}
        />
      ) : status === null ? (
        <p className="loading">Loading…</p>
      ) : status.enabled ? (
        <>
          <p>
            <span className="status status-active">On</span> since {status.enabledAt ? formatDateTime(status.enabledAt) : '—'}. Signing in
            asks for a code from your authenticator app. {status.recoveryCodesLeft} of 10 recovery codes left.
          </p>
          <div className="form-actions">
            <button type="button" className="button secondary" onClick={() => setAsking('regenerate')}>
              New recovery codes
            </button>
            <button type="button" className="button danger-outline" onClick={() => setAsking('disable')}>
              Turn off two-factor authentication
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            <span className="status status-inactive">Off</span> Add a second step to signing in: a code from an authenticator app on your
            phone.
          </p>
          <button type="button" className="button" onClick={() => void start()}>
            Set up two-factor authentication
          </button>
        </>
      )}
      {asking === 'regenerate' && (
        <ProofDialog
          title="New recovery codes?"
          explanation="Your current recovery codes stop working and 10 new ones are shown once."
          confirmLabel="Create new codes"
          onClose={() => setAsking(null)}
          onConfirm={async (proof) => {
            const { recoveryCodes } = await mfa.regenerateRecoveryCodes(proof);
            setAsking(null);
            setCodes(recoveryCodes);
          }}
        />
      )}
      {asking === 'disable' && (
        <ProofDialog
          title="Turn off two-factor authentication?"
          explanation="Signing in will ask for your password only. Your authenticator app and recovery codes stop working for Argus."
          confirmLabel="Turn off"
          danger
          onClose={() => setAsking(null)}
          onConfirm={async (proof) => {
            await mfa.disable(proof);
            setAsking(null);
            setAnnouncement('Two-factor authentication is off.');
            await load();
          }}
        />
      )}
    </section>
  );
}

function TotpSetup({
  enrolment,
  onCancel,
  onEnabled,
}: {
  enrolment: TotpEnrolment;
  onCancel: () => void;
  onEnabled: (recoveryCodes: string[]) => void;
}) {
  const { mfa } = useServices();
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onEnabled((await mfa.confirmTotp(code.trim())).recoveryCodes);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.code === 'invalid_mfa_code'
          ? new Error('That code is not right. Enter the code the app shows now.')
          : caught,
      );
      setCode('');
      setBusy(false);
    }
  };

  return (
    <div>
      <ol>
        <li>Scan this QR code with an authenticator app (for example one from your phone’s app store).</li>
        <li>Enter the 6-digit code the app shows for Argus.</li>
      </ol>
      <img
        className="qr-code"
        src={enrolment.qrCode}
        alt="QR code for setting up two-factor authentication in an authenticator app"
        width={200}
        height={200}
      />
      <p>
        Can’t scan it? Enter this secret in the app instead:{' '}
        <code className="mono" data-testid="totp-secret">
          {enrolment.secret}
        </code>
      </p>
      <ErrorNotice error={error} id={errorId} />
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="totp-setup-code">Authentication code</label>
          <input
            id="totp-setup-code"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            required
            value={code}
            onChange={(event) => setCode(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            Confirm
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
