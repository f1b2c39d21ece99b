import { FormEvent, useId, useState } from 'react';
import { ApiError } from '../api/client';
import type { MfaProof } from '../api/types';
import { Dialog } from './dialog';
import { ErrorNotice } from './notice';

interface ProofDialogProps {
  title: string;
  explanation: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: (proof: MfaProof) => Promise<void>;
  onClose: () => void;
}

/** Asks for the password, or a code instead, before a two-factor change. */
export function ProofDialog({ title, explanation, confirmLabel, danger, onConfirm, onClose }: ProofDialogProps) {
  const [withCode, setWithCode] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onConfirm(withCode ? { code: value.trim() } : { password: value });
    } catch (caught) {
      const wrong = caught instanceof ApiError && caught.code === 'invalid_credentials';
      setError(wrong ? new Error(withCode ? 'That code is not right.' : 'That password is not right.') : caught);
      setValue('');
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={title}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className={danger ? 'button danger' : 'button'} disabled={busy}>
            {confirmLabel}
          </button>
        </>
      }
    >
      <p>{explanation}</p>
      <ErrorNotice error={error} id={errorId} />
      <form id={formId} onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor={`${formId}-proof`}>{withCode ? 'Authentication code' : 'Current password'}</label>
          <input
            key={withCode ? 'code' : 'password'}
            id={`${formId}-proof`}
            type={withCode ? 'text' : 'password'}
            autoComplete={withCode ? 'one-time-code' : 'current-password'}
            required
            value={value}
            onChange={(event) => setValue(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
          />
          {withCode && <p className="hint">A code from your authenticator app, or a recovery code.</p>}
        </div>
        <button
          type="button"
          className="button link"
          onClick={() => {
            setWithCode(!withCode);
            setValue('');
          }}
        >
          {withCode ? 'Use your password instead' : 'Use an authentication code instead'}
        </button>
      </form>
    </Dialog>
  );
}
