import { FormEvent, useState } from 'react';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { Link } from '../lib/router';
import { useServices } from '../services';
import { SIGN_IN, useSession } from '../session';

/** The server's rule (SPEC §4); checked here too so the form says so before a round trip. */
export const MIN_PASSWORD_LENGTH = 12;

export function CreateAccountPage() {
  const { auth } = useServices();
  const { signIn, registrationOpen } = useSession();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (!registrationOpen) {
    return (
      <section className="panel narrow">
        <PageHeading title="Create account" />
        <p>This Argus does not take new accounts. Ask its administrator for one.</p>
        <p>
          <Link to={SIGN_IN}>Sign in</Link>
        </p>
      </section>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password.length < MIN_PASSWORD_LENGTH) {
      setError(new Error(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await auth.register(email.trim(), password, name.trim() || undefined);
      await signIn(email.trim(), password);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="panel narrow">
      <PageHeading title="Create account" />
      <ErrorNotice error={error} />
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="account-name">Name</label>
          <input
            id="account-name"
            type="text"
            autoComplete="name"
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-describedby="account-name-hint"
          />
          <p className="hint" id="account-name-hint">
            Optional.
          </p>
        </div>
        <div className="field">
          <label htmlFor="account-email">Email</label>
          <input
            id="account-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="account-password">Password</label>
          <input
            id="account-password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-describedby="account-password-hint"
          />
          <p className="hint" id="account-password-hint">
            At least {MIN_PASSWORD_LENGTH} characters.
          </p>
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            Create account
          </button>
        </div>
      </form>
      <p>
        Already have an account? <Link to={SIGN_IN}>Sign in</Link>
      </p>
    </section>
  );
}
