import { FormEvent, useId, useState } from 'react';
import { ApiError } from '../api/client';
import type { MfaChallenge } from '../api/types';
import { describeError } from './notice';

interface MfaCodeStepProps {
  challenge: MfaChallenge;
  /** Sends the code; rejects as the API does. */
  verify: (code: string) => Promise<void>;
  /** Back to the password step (with why, when the challenge is used up). */
  restart: (reason: string | null) => void;
}

function describeCodeError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'invalid_mfa_code') return 'That code is not right. Try again.';
  return describeError(error);
}

/** Sign in's second step for an account with two-factor on: a code from the authenticator app, or a recovery code. */
export function MfaCodeStep({ challenge, verify, restart }: MfaCodeStepProps) {
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  const hintId = useId();
  const canUseRecovery = challenge.methods.includes('recovery_code');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await verify(code.trim());
    } catch (caught) {
      setBusy(false);
      setCode('');
      // The token is spent (expired, used, too many tries): only a new password step helps.
      if (caught instanceof ApiError && caught.code === 'invalid_token') return restart('This sign-in expired. Enter your password again.');
      if (caught instanceof ApiError && caught.code === 'invalid_mfa_code' && caught.attemptsLeft === 0) {
        return restart('Too many wrong codes. Enter your password again.');
      }
      setError(caught);
    }
  };

  const label = recovery ? 'Recovery code' : 'Authentication code';
  const hint = recovery
    ? 'One of the recovery codes you saved when you set up two-factor authentication. Each works once.'
    : 'The 6-digit code your authenticator app shows for Argus.';

  return (
    <form onSubmit={(event) => void submit(event)}>
      {error !== null && (
        <p className="notice error" role="alert" id={errorId}>
          {describeCodeError(error)}
        </p>
      )}
      <div className="field">
        <label htmlFor="sign-in-code">{label}</label>
        <input
          key={recovery ? 'recovery' : 'totp'}
          id="sign-in-code"
          name="code"
          type="text"
          autoComplete="one-time-code"
          inputMode={recovery ? 'text' : 'numeric'}
          pattern={recovery ? undefined : '[0-9]{6}'}
          maxLength={recovery ? 24 : 6}
          spellCheck={false}
          required
          autoFocus
          value={code}
          onChange={(event) => setCode(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${errorId} ${hintId}` : hintId}
        />
        <p className="hint" id={hintId}>
          {hint}
        </p>
      </div>
      <div className="form-actions mfa-code-actions">
        <button type="submit" className="button" disabled={busy}>
          Verify
        </button>
        {canUseRecovery && (
          <button
            type="button"
            className="button link"
            onClick={() => {
              setRecovery(!recovery);
              setCode('');
              setError(null);
            }}
          >
            {recovery ? 'Use the authenticator app' : 'Use a recovery code'}
          </button>
        )}
        <button type="button" className="button secondary" onClick={() => restart(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
