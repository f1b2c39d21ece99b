import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { Webhook, webhookHealth } from '../api/webhooks';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { WebhookDeliveries } from '../components/webhook-deliveries';
import { WebhookForm } from '../components/webhook-form';
import { formatDateTime } from '../lib/format';
import { Link, useRouter } from '../lib/router';
import { useServices } from '../services';
import { WEBHOOKS } from '../session';

type Panel = 'none' | 'edit' | 'delete';

export function WebhookPage({ id }: { id: string }) {
  const { webhooks } = useServices();
  const { navigate } = useRouter();
  const [hook, setHook] = useState<Webhook | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [panel, setPanel] = useState<Panel>('none');
  const [announcement, setAnnouncement] = useState('');
  const [watch, setWatch] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let cancelled = false;
    webhooks.get(id).then(
      (found) => !cancelled && (setHook(found), setMissing(false)),
      (caught: unknown) => {
        if (cancelled) return;
        if (caught instanceof ApiError && (caught.status === 404 || caught.code === 'validation_failed')) setMissing(true);
        else setError(caught);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [webhooks, id]);

  const act = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    }
  };
  const onWatch = useCallback(
    (deliveryId: string | null) => {
      setWatch(deliveryId);
      // The endpoint's health changes with the outcome: read it again once the watch ends.
      if (deliveryId === null) webhooks.get(id).then(setHook, () => undefined);
    },
    [webhooks, id],
  );

  if (missing) {
    return (
      <section className="panel narrow">
        <PageHeading title="Webhook not found" />
        <p>There is no webhook endpoint of yours with this id.</p>
        <Link to={WEBHOOKS}>Back to Webhooks</Link>
      </section>
    );
  }
  if (!hook) return error ? <ErrorNotice error={error} /> : <p className="loading">Loading…</p>;

  const health = webhookHealth(hook);
  return (
    <>
      <p>
        <Link to={WEBHOOKS}>← Webhooks</Link>
      </p>
      <PageHeading title="Webhook endpoint">
        <div className="toolbar">
          {hook.isActive && (
            <button
              type="button"
              className="button"
              onClick={() =>
                void act(async () => {
                  const delivery = await webhooks.sendTest(hook.id);
                  setAnnouncement('Test event queued: it appears in the deliveries below.');
                  setVersion((n) => n + 1);
                  setWatch(delivery.id);
                })
              }
            >
              Send test event
            </button>
          )}
          <button type="button" className="button secondary" onClick={() => setPanel('edit')}>
            Edit
          </button>
          <button
            type="button"
            className="button secondary"
            onClick={() =>
              void act(async () => {
                setHook(await webhooks.update(hook.id, { isActive: !hook.isActive }));
                setAnnouncement(hook.isActive ? 'The endpoint is disabled: it gets no new events.' : 'The endpoint is enabled again.');
                setVersion((n) => n + 1);
              })
            }
          >
            {hook.isActive ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="button danger-outline" onClick={() => setPanel('delete')}>
            Delete
          </button>
        </div>
      </PageHeading>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {panel === 'edit' && (
        <WebhookForm
          title="Edit webhook"
          submitLabel="Save"
          initial={hook}
          onCancel={() => setPanel('none')}
          onSubmit={async (url, events) => {
            setHook(await webhooks.update(hook.id, { url, events }));
            setPanel('none');
            setAnnouncement('Changes saved.');
          }}
        />
      )}
      <section className="panel" aria-labelledby="webhook-details-title">
        <h2 id="webhook-details-title">Details</h2>
        <dl className="details">
          <dt>URL</dt>
          <dd>
            <code>{hook.url}</code>
          </dd>
          <dt>Events</dt>
          <dd>{hook.events.join(', ')}</dd>
          <dt>Status</dt>
          <dd>
            <span className={`status status-${health.tone}`}>{health.label}</span>
          </dd>
          {hook.failingSince && (
            <>
              <dt>Failing since</dt>
              <dd>{formatDateTime(hook.failingSince)}</dd>
            </>
          )}
          {hook.nextProbeAt && (
            <>
              <dt>Next probe</dt>
              <dd>{formatDateTime(hook.nextProbeAt)}</dd>
            </>
          )}
          {hook.disabledAt && (
            <>
              <dt>Disabled</dt>
              <dd>{formatDateTime(hook.disabledAt)}</dd>
            </>
          )}
          <dt>Created</dt>
          <dd>{formatDateTime(hook.createdAt)}</dd>
          <dt>Updated</dt>
          <dd>{formatDateTime(hook.updatedAt)}</dd>
        </dl>
        {!hook.isActive && (
          <p className="notice info">
            A disabled endpoint keeps its undelivered deliveries and gets no new events. Enable it to send them.
          </p>
        )}
      </section>
      <WebhookDeliveries webhookId={hook.id} watch={watch} onWatch={onWatch} version={version} />
      {panel === 'delete' && (
        <ConfirmDialog
          danger
          title={`Delete the webhook to ${hook.url}?`}
          confirm="Delete webhook"
          onClose={() => setPanel('none')}
          onConfirm={async () => {
            await webhooks.remove(hook.id);
            navigate(WEBHOOKS);
          }}
        >
          <p>
            The endpoint <code>{hook.url}</code> stops receiving events, and its deliveries, pending ones included, are deleted. This cannot
            be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
