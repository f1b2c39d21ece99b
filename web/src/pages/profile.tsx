import { FormEvent, useId, useState } from 'react';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { formatDateTime } from '../lib/format';
import { passwordError } from '../lib/account-errors';
import { useServices } from '../services';
import { useSession } from '../session';

/** Account → Profile: your name and email. A new email needs the current password. */
export function ProfilePage() {
  const { auth } = useServices();
  const { user, updated } = useSession();
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [currentPassword, setCurrentPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  if (!user) return null;
  const emailChanged = email.trim().toLowerCase() !== user.email;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      const trimmed = name.trim();
      const changed = await auth.updateProfile({
        name: trimmed === '' ? null : trimmed,
        ...(emailChanged ? { email: email.trim(), currentPassword } : {}),
      });
      updated(changed);
      setName(changed.name ?? '');
      setEmail(changed.email);
      setCurrentPassword('');
      setSaved(true);
    } catch (caught) {
      setError(passwordError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeading title="Profile" />
      <section className="panel narrow">
        <dl className="details">
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Name</dt>
          <dd>{user.name ?? '—'}</dd>
          <dt>Role</dt>
          <dd>{user.role}</dd>
          <dt>Member since</dt>
          <dd>{formatDateTime(user.createdAt)}</dd>
        </dl>
      </section>
      <section className="panel narrow" aria-labelledby="edit-profile-heading">
        <h2 id="edit-profile-heading">Edit profile</h2>
        <p role="status" className={saved ? 'notice info' : 'visually-hidden'}>
          {saved ? 'Profile saved.' : ''}
        </p>
        <ErrorNotice error={error} id={errorId} />
        <form onSubmit={(event) => void submit(event)}>
          <div className="field">
            <label htmlFor="profile-name">Name</label>
            <input
              id="profile-name"
              name="name"
              autoComplete="name"
              maxLength={100}
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="profile-email">Email</label>
            <input
              id="profile-email"
              type="email"
              name="email"
              autoComplete="email"
              required
              maxLength={254}
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              aria-describedby={error ? errorId : undefined}
            />
          </div>
          {emailChanged && (
            <div className="field">
              <label htmlFor="profile-password">Current password</label>
              <input
                id="profile-password"
                type="password"
                name="current-password"
                autoComplete="current-password"
                required
                value={currentPassword}
                onChange={(event) => setCurrentPassword(event.target.value)}
                aria-describedby="profile-password-hint"
              />
              <p className="hint" id="profile-password-hint">
                A new email is your new sign-in name: confirm it with your password.
              </p>
            </div>
          )}
          <div className="form-actions">
            <button type="submit" className="button" disabled={busy}>
              Save profile
            </button>
          </div>
        </form>
      </section>
    </>
  );
}
