import { useCallback, useEffect, useRef, useState } from 'react';
import { CreatedWebhook, Webhook, webhookHealth } from '../api/webhooks';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { WebhookForm } from '../components/webhook-form';
import { WebhookSecret } from '../components/webhook-secret';
import { formatDate } from '../lib/format';
import { Link } from '../lib/router';
import { useServices } from '../services';
import { WEBHOOKS } from '../session';

type Panel = { kind: 'none' } | { kind: 'create' } | { kind: 'created'; hook: CreatedWebhook };

export function WebhooksPage() {
  const { webhooks } = useServices();
  const [list, setList] = useState<Webhook[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The new endpoint's secret lives here only: gone when the panel closes or the page reloads.
  const [panel, setPanel] = useState<Panel>({ kind: 'none' });
  const createButton = useRef<HTMLButtonElement>(null);

  const load = useCallback(
    () =>
      webhooks.list().then(
        (page) => {
          setList(page.items);
          setError(null);
        },
        (caught: unknown) => setError(caught),
      ),
    [webhooks],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const close = () => {
    setPanel({ kind: 'none' });
    requestAnimationFrame(() => createButton.current?.focus());
  };

  return (
    <>
      <PageHeading title="Webhooks">
        {panel.kind === 'none' && (
          <button ref={createButton} type="button" className="button" onClick={() => setPanel({ kind: 'create' })}>
            Create webhook
          </button>
        )}
      </PageHeading>
      <p className="lead">
        Argus tells your endpoints when your keys change: signed JSON, retried for about two days until they answer 2xx.
      </p>
      {panel.kind === 'create' && (
        <WebhookForm
          title="Create webhook"
          submitLabel="Create"
          onCancel={close}
          onSubmit={async (url, events) => {
            setPanel({ kind: 'created', hook: await webhooks.create(url, events) });
            void load();
          }}
        />
      )}
      {panel.kind === 'created' && <WebhookSecret secret={panel.hook.secret} url={panel.hook.url} onDone={close} />}
      <ErrorNotice error={error} />
      {list && list.length === 0 && (
        <section className="panel">
          <p>No webhook endpoints yet. Create one to hear about keys being created, rotated, revoked or about to expire.</p>
        </section>
      )}
      {list && list.length > 0 && (
        <div className="table-wrap panel">
          <table>
            <caption className="visually-hidden">Your webhook endpoints, newest first</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((hook) => {
                const health = webhookHealth(hook);
                return (
                  <tr key={hook.id}>
                    <td>
                      <Link to={`${WEBHOOKS}/${hook.id}`} className="mono">
                        {hook.url}
                      </Link>
                    </td>
                    <td>
                      <ul className="scopes">
                        {hook.events.map((event) => (
                          <li key={event} className="scope">
                            {event}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      <span className={`status status-${health.tone}`}>{health.label}</span>
                    </td>
                    <td>{formatDate(hook.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
