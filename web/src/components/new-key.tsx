import { KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { integrationSnippets } from '../lib/snippets';
import { CopyButton } from './copy-button';

interface NewKeyProps {
  title: string;
  name: string;
  /** The plaintext: held by the caller in React state only, never stored or put in the URL. */
  secret: string;
  children?: React.ReactNode;
  onDone: () => void;
}

/** A key shown once: the secret, Copy, the warning, and snippets with this Argus and this key filled in. */
export function NewKey({ title, name, secret, children, onDone }: NewKeyProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const inputId = useId();
  const warningId = useId();
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <section className="panel new-key" aria-labelledby={headingId}>
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      <p className="notice warning" id={warningId}>
        <strong>Copy this key now: it cannot be shown again.</strong> Argus keeps only a hash of it. If you lose it, rotate the key or
        create a new one.
      </p>
      {children}
      <label className="field-label" htmlFor={inputId}>
        API key “{name}”
      </label>
      <div className="secret">
        <input
          id={inputId}
          type="text"
          readOnly
          value={secret}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={warningId}
          onFocus={(event) => event.target.select()}
        />
        <CopyButton text={secret} className="button" />
      </div>
      <Snippets secret={secret} />
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

function Snippets({ secret }: { secret: string }) {
  const snippets = integrationSnippets(window.location.origin, secret);
  const [active, setActive] = useState(0);
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const baseId = useId();
  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1 };
    let next: number | undefined;
    if (event.key in moves) next = (active + moves[event.key] + snippets.length) % snippets.length;
    if (event.key === 'Home') next = 0;
    if (event.key === 'End') next = snippets.length - 1;
    if (next === undefined) return;
    event.preventDefault();
    setActive(next);
    tabs.current[next]?.focus();
  };
  const snippet = snippets[active];
  return (
    <div className="snippets">
      <h3>Use it</h3>
      <div role="tablist" aria-label="Integration snippets" className="tabs" onKeyDown={onKeyDown}>
        {snippets.map((item, index) => (
          <button
            key={item.id}
            ref={(element) => {
              tabs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${baseId}-tab-${item.id}`}
            aria-selected={index === active}
            aria-controls={`${baseId}-panel`}
            tabIndex={index === active ? 0 : -1}
            onClick={() => setActive(index)}
          >
            {item.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${baseId}-panel`} aria-labelledby={`${baseId}-tab-${snippet.id}`} className="snippet">
        <div className="snippet-head">
          <span className="muted">{snippet.label}</span>
          <CopyButton text={snippet.code} label={`Copy ${snippet.label} snippet`} className="button secondary small" />
        </div>
        <pre tabIndex={0} aria-label={`${snippet.label} snippet`}>
          <code>{snippet.code}</code>
        </pre>
      </div>
    </div>
  );
}
