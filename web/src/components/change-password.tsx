import { FormEvent, useId, useState } from 'react';
import { passwordError } from '../lib/account-errors';
import { useServices } from '../services';
import { ErrorNotice } from './notice';

const MIN_LENGTH = 12;

/**
 * Change password: the current one to prove it is you, a new one under the registration policy.
 * Every other session of the account ends; this browser stays signed in.
 */
export function ChangePassword() {
  const { auth } = useServices();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  const hintId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(false);
    setBusy(true);
    try {
      await auth.changePassword(currentPassword, newPassword);
      setDone(true);
      setCurrentPassword('');
      setNewPassword('');
    } catch (caught) {
      setError(passwordError(caught));
      setCurrentPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="change-password-heading">
      <h2 id="change-password-heading">Change password</h2>
      <p role="status" className={done ? 'notice info' : 'visually-hidden'}>
        {done ? 'Your password is changed. Every other session of your account has ended; this browser stays signed in.' : ''}
      </p>
      <ErrorNotice error={error} id={errorId} />
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="current-password">Current password</label>
          <input
            id="current-password"
            type="password"
            name="current-password"
            autoComplete="current-password"
            required
            value={currentPassword}
            onChange={(event) => setCurrentPassword(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor="new-password">New password</label>
          <input
            id="new-password"
            type="password"
            name="new-password"
            autoComplete="new-password"
            required
            minLength={MIN_LENGTH}
            maxLength={256}
            value={newPassword}
            onChange={(event) => setNewPassword(event.target.value)}
            aria-describedby={hintId}
          />
          <p className="hint" id={hintId}>
            At least {MIN_LENGTH} characters. Other browsers signed in to your account are signed out.
          </p>
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}
