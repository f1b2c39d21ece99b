import { FormEvent, useId, useState } from 'react';
import type { MfaChallenge } from '../api/types';
import { MfaCodeStep } from '../components/mfa-code-step';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { Link } from '../lib/router';
import { CREATE_ACCOUNT, useSession } from '../session';

export function SignInPage() {
  const { signIn, signInCode, notice, registrationOpen } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Two-factor on: the password was right, and the code step comes next.
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [restartNotice, setRestartNotice] = useState<string | null>(null);
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setRestartNotice(null);
    try {
      const next = await signIn(email.trim(), password);
      if (next) {
        setPassword('');
        setChallenge(next);
        setBusy(false);
      }
    } catch (caught) {
      setError(caught);
      setPassword('');
      setBusy(false);
    }
  };

  // One heading for both steps: it stays put (and keeps focus where the step puts it).
  return (
    <section className="panel narrow">
      <PageHeading title="Sign in" />
      {challenge ? (
        <>
          <h2>Two-factor authentication</h2>
          <p>Enter a code to finish signing in as {email.trim()}.</p>
          <MfaCodeStep
            challenge={challenge}
            verify={(code) => signInCode(challenge.mfaToken, code)}
            restart={(reason) => {
              setChallenge(null);
              setRestartNotice(reason);
            }}
          />
        </>
      ) : (
        <>
          {restartNotice && (
            <p className="notice error" role="alert">
              {restartNotice}
            </p>
          )}
          {notice && !error && !restartNotice && (
            <p className="notice info" role="status">
              {notice}
            </p>
          )}
          <ErrorNotice error={error} id={errorId} />
          <form onSubmit={(event) => void submit(event)}>
            <div className="field">
              <label htmlFor="sign-in-email">Email</label>
              <input
                id="sign-in-email"
                type="email"
                name="email"
                autoComplete="username"
                required
                autoFocus
                value={email}
                onChange={(event) => setEmail(event.target.value)}
                aria-describedby={error ? errorId : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor="sign-in-password">Password</label>
              <input
                id="sign-in-password"
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? errorId : undefined}
              />
            </div>
            <div className="form-actions">
              <button type="submit" className="button" disabled={busy}>
                Sign in
              </button>
            </div>
          </form>
          {registrationOpen && (
            <p>
              New to Argus? <Link to={CREATE_ACCOUNT}>Create account</Link>
            </p>
          )}
        </>
      )}
    </section>
  );
}
