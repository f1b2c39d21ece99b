import { useEffect, useState } from 'react';
import type { AuditEvent } from '../api/types';
import { formatDateTime } from '../lib/format';
import { useServices } from '../services';
import { useSession } from '../session';
import { ErrorNotice } from './notice';

const ACTORS: Record<string, string> = { api_key: 'An API key', anonymous: 'Anonymous', system: 'Argus (on schedule)' };

function actor(event: AuditEvent, me: string | undefined): string {
  if (event.actorType === 'user') return event.actorId === me ? 'You' : 'Another user';
  return ACTORS[event.actorType] ?? event.actorType;
}

function describeChanges(changes: AuditEvent['changes']): string {
  if (!changes) return '';
  return Object.entries(changes)
    .map(([field, change]) => `${field}: ${JSON.stringify(change.from ?? null)} → ${JSON.stringify(change.to ?? null)}`)
    .join('; ');
}

/** The key's audit trail, newest first (`GET /api/keys/:id/events`); `version` changes reload it. */
export function KeyEvents({ keyId, version }: { keyId: string; version: number }) {
  const { keys } = useServices();
  const { user } = useSession();
  const [page, setPage] = useState(1);
  const [events, setEvents] = useState<{ items: AuditEvent[]; total: number; limit: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    keys.events(keyId, page).then(
      (result) => !cancelled && setEvents({ items: result.items, total: result.meta.total, limit: result.meta.limit }),
      (caught: unknown) => !cancelled && setError(caught),
    );
    return () => {
      cancelled = true;
    };
  }, [keys, keyId, page, version]);

  const pages = events ? Math.max(1, Math.ceil(events.total / events.limit)) : 1;
  return (
    <section className="panel" aria-labelledby="key-events-title">
      <h2 id="key-events-title">Events</h2>
      <ErrorNotice error={error} />
      {events && events.items.length === 0 && <p>No events yet.</p>}
      {events && events.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">What happened to this key, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">By</th>
                <th scope="col">From</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {events.items.map((event) => (
                <tr key={event.id}>
                  <td>{formatDateTime(event.occurredAt)}</td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td>{actor(event, user?.id)}</td>
                  <td>{event.ip ?? '—'}</td>
                  <td className="mono">{describeChanges(event.changes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label="Pages of events">
          <button type="button" className="button secondary small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Newer
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" className="button secondary small" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Older
          </button>
        </nav>
      )}
    </section>
  );
}
