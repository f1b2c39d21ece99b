import { useCallback, useEffect, useState } from 'react';
import type { Delivery } from '../api/webhooks';
import { formatDateTime } from '../lib/format';
import { useServices } from '../services';
import { ErrorNotice } from './notice';

const PAGE_SIZE = 20;
/** How often, and how many times, a delivery just queued is looked at again until it has an outcome. */
const WATCH_EVERY_MS = 1000;
const WATCH_TIMES = 30;

const STATUS_TONE: Record<Delivery['status'], string> = { pending: 'inactive', succeeded: 'active', failed: 'revoked' };

interface DeliveriesProps {
  webhookId: string;
  /** A delivery just queued (a test event, a redelivery): followed until it has an outcome. */
  watch: string | null;
  onWatch: (deliveryId: string | null) => void;
  /** Bumped by the page when the list may have changed. */
  version: number;
}

/** An endpoint's deliveries, newest first, with their outcome; failed ones can be sent again. */
export function WebhookDeliveries({ webhookId, watch, onWatch, version }: DeliveriesProps) {
  const { webhooks } = useServices();
  const [page, setPage] = useState(1);
  const [list, setList] = useState<{ items: Delivery[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [announcement, setAnnouncement] = useState('');

  const load = useCallback(
    (wanted: number) =>
      webhooks.deliveries(webhookId, wanted, PAGE_SIZE).then(
        (result) => {
          setList({ items: result.items, total: result.meta.total });
          return result.items;
        },
        (caught: unknown) => {
          setError(caught);
          return [] as Delivery[];
        },
      ),
    [webhooks, webhookId],
  );
  useEffect(() => {
    void load(page);
  }, [load, page, version]);

  useEffect(() => {
    if (!watch) return;
    let times = 0;
    const timer = setInterval(() => {
      times++;
      void load(page).then((items) => {
        const watched = items.find((delivery) => delivery.id === watch);
        // The first attempt's outcome is enough: a failure is retried on its schedule, for up to two days.
        if (watched && (watched.status !== 'pending' || watched.attempts > 0)) {
          setAnnouncement(describeOutcome(watched));
          onWatch(null);
        } else if (times >= WATCH_TIMES) onWatch(null);
      });
    }, WATCH_EVERY_MS);
    return () => clearInterval(timer);
  }, [watch, load, page, onWatch]);

  const act = async (work: () => Promise<string>) => {
    setError(null);
    try {
      setAnnouncement(await work());
    } catch (caught) {
      setError(caught);
    }
    await load(page);
  };

  const pages = list ? Math.max(1, Math.ceil(list.total / PAGE_SIZE)) : 1;
  const anyFailed = list?.items.some((delivery) => delivery.status === 'failed') ?? false;
  return (
    <section className="panel" aria-labelledby="deliveries-title">
      <div className="page-heading">
        <h2 id="deliveries-title">Deliveries</h2>
        <div className="toolbar">
          <button type="button" className="button secondary small" onClick={() => void load(page)}>
            Refresh
          </button>
          {anyFailed && (
            <button
              type="button"
              className="button secondary small"
              onClick={() =>
                void act(async () => {
                  const { requeued } = await webhooks.redeliverFailed(webhookId);
                  return `${requeued} failed deliver${requeued === 1 ? 'y' : 'ies'} queued again.`;
                })
              }
            >
              Redeliver failed
            </button>
          )}
        </div>
      </div>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {list && list.items.length === 0 && <p>No deliveries yet. Send a test event to see one.</p>}
      {list && list.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Response code</th>
                <th scope="col">Attempts</th>
                <th scope="col">Time</th>
                <th scope="col">Next attempt</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((delivery) => (
                <tr key={delivery.id} aria-current={delivery.id === watch ? 'true' : undefined}>
                  <td>
                    <code>{delivery.eventType}</code>
                  </td>
                  <td>
                    <span className={`status status-${STATUS_TONE[delivery.status]}`}>{delivery.status}</span>
                    {delivery.lastError && <div className="muted small-text">{delivery.lastError}</div>}
                  </td>
                  <td>{delivery.lastStatusCode ?? '—'}</td>
                  <td>{delivery.attempts}</td>
                  <td>{formatDateTime(delivery.createdAt)}</td>
                  <td>{formatDateTime(delivery.nextAttemptAt)}</td>
                  <td>
                    {delivery.status === 'failed' && (
                      <button
                        type="button"
                        className="button secondary small"
                        aria-label={`Redeliver ${delivery.eventType} of ${formatDateTime(delivery.createdAt)}`}
                        onClick={() =>
                          void act(async () => {
                            const again = await webhooks.redeliver(webhookId, delivery.id);
                            onWatch(again.id);
                            return `${delivery.eventType} queued again.`;
                          })
                        }
                      >
                        Redeliver
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {pages > 1 && (
            <nav className="pager" aria-label="Pages of deliveries">
              <button type="button" className="button secondary small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                Previous
              </button>
              <span>
                Page {page} of {pages}
              </span>
              <button type="button" className="button secondary small" disabled={page >= pages} onClick={() => setPage(page + 1)}>
                Next
              </button>
            </nav>
          )}
        </div>
      )}
    </section>
  );
}

function describeOutcome(delivery: Delivery): string {
  const code = delivery.lastStatusCode === null ? 'no response' : `response ${delivery.lastStatusCode}`;
  const outcome = delivery.status === 'succeeded' ? 'delivered' : delivery.status === 'failed' ? 'failed' : 'failed, will be retried';
  return `${delivery.eventType} ${outcome}: ${code}.`;
}
