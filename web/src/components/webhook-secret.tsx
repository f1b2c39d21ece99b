import { useEffect, useId, useRef } from 'react';
import { CopyButton } from './copy-button';

/** A new endpoint's signing secret, shown once: held by the caller in React state only. */
export function WebhookSecret({ secret, url, onDone }: { secret: string; url: string; onDone: () => void }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const id = useId();
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <section className="panel new-key" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} ref={headingRef} tabIndex={-1}>
        Webhook created: save the signing secret
      </h2>
      <p className="notice warning" id={`${id}-warning`}>
        <strong>Copy this secret now: it cannot be shown again.</strong> Your receiver checks each delivery’s signature with it. If you lose
        it, delete the endpoint and create it again.
      </p>
      <label className="field-label" htmlFor={`${id}-secret`}>
        Signing secret for {url}
      </label>
      <div className="secret">
        <input
          id={`${id}-secret`}
          type="text"
          readOnly
          value={secret}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${id}-warning`}
          onFocus={(event) => event.target.select()}
        />
        <CopyButton text={secret} className="button" />
      </div>
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
