import { FormEvent, useEffect, useId, useRef, useState } from 'react';
import { WEBHOOK_EVENTS, WEBHOOK_EVENT_DESCRIPTIONS } from '../lib/webhook-events';
import { ErrorNotice } from './notice';

interface WebhookFormProps {
  title: string;
  submitLabel: string;
  initial?: { url: string; events: readonly string[] };
  onSubmit: (url: string, events: string[]) => Promise<void>;
  onCancel: () => void;
}

/** An endpoint's URL and the events it receives, picked from the server's catalogue. */
export function WebhookForm({ title, submitLabel, initial, onSubmit, onCancel }: WebhookFormProps) {
  const id = useId();
  const [url, setUrl] = useState(initial?.url ?? '');
  const [events, setEvents] = useState<Set<string>>(() => new Set(initial?.events ?? []));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const urlRef = useRef<HTMLInputElement>(null);
  useEffect(() => urlRef.current?.focus(), []);

  const toggle = (event: string, on: boolean) =>
    setEvents((current) => {
      const next = new Set(current);
      if (on) next.add(event);
      else next.delete(event);
      return next;
    });

  const submit = async (submitted: FormEvent) => {
    submitted.preventDefault();
    if (events.size === 0) return setError(new Error('Choose at least one event.'));
    setBusy(true);
    setError(null);
    try {
      // In the catalogue's order, whatever order they were ticked in.
      await onSubmit(
        url.trim(),
        WEBHOOK_EVENTS.filter((event) => events.has(event)),
      );
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor={`${id}-url`}>Endpoint URL</label>
          <input
            ref={urlRef}
            id={`${id}-url`}
            type="url"
            required
            maxLength={2048}
            placeholder="https://example.com/hooks/argus"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            aria-describedby={`${id}-url-hint`}
          />
          <p className="hint" id={`${id}-url-hint`}>
            Argus POSTs signed JSON here. It must be http(s) and resolve to a public address.
          </p>
        </div>
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((event) => (
            <label key={event} className="checkbox-line">
              <input type="checkbox" checked={events.has(event)} onChange={(change) => toggle(event, change.target.checked)} />
              <span>
                <code>{event}</code> <span className="muted">{WEBHOOK_EVENT_DESCRIPTIONS[event]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            {submitLabel}
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
