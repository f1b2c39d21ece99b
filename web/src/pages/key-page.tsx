import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import type { ApiKey, CreatedApiKey, Organization, Project, RotatedApiKey } from '../api/types';
import { EditKeyForm } from '../components/edit-key-form';
import { KeyDetails } from '../components/key-details';
import { KeyEvents } from '../components/key-events';
import { NewKey } from '../components/new-key';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { RevokeDialog } from '../components/revoke-dialog';
import { RotateDialog } from '../components/rotate-dialog';
import { formatDateTime } from '../lib/format';
import { Link, useRouter } from '../lib/router';
import { useServices } from '../services';
import { HOME } from '../session';

type Panel =
  | { kind: 'none' }
  | { kind: 'edit' }
  | { kind: 'rotate' }
  | { kind: 'revoke' }
  | { kind: 'rotated'; key: RotatedApiKey }
  | { kind: 'revealed'; key: CreatedApiKey };

export function KeyPage({ id }: { id: string }) {
  const { keys } = useServices();
  const { navigate } = useRouter();
  const [key, setKey] = useState<ApiKey | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // A rotated or revealed key's plaintext lives in this state only.
  const [panel, setPanel] = useState<Panel>({ kind: 'none' });
  const [version, setVersion] = useState(0);
  const [places, setPlaces] = useState<{ organizations: Organization[]; projects: Project[] }>({ organizations: [], projects: [] });
  const [announcement, setAnnouncement] = useState('');

  const changed = useCallback((next: ApiKey, message: string) => {
    setKey(next);
    setVersion((n) => n + 1);
    setAnnouncement(message);
  }, []);

  useEffect(() => {
    let cancelled = false;
    keys.get(id).then(
      (found) => !cancelled && (setKey(found), setMissing(false)),
      (caught: unknown) => {
        if (cancelled) return;
        if (caught instanceof ApiError && (caught.status === 404 || caught.code === 'validation_failed')) setMissing(true);
        else setError(caught);
      },
    );
    Promise.all([keys.organizations(), keys.projects()]).then(
      ([organizations, projects]) => !cancelled && setPlaces({ organizations: organizations.items, projects: projects.items }),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [keys, id]);

  const act = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    }
  };

  if (missing) {
    return (
      <section className="panel narrow">
        <PageHeading title="Key not found" />
        <p>There is no key of yours with this id.</p>
        <Link to={HOME}>Back to API Keys</Link>
      </section>
    );
  }
  if (!key) return error ? <ErrorNotice error={error} /> : <p className="loading">Loading…</p>;

  const live = key.status !== 'revoked';
  const rotatable = live && !key.replacedById;
  return (
    <>
      <p>
        <Link to={HOME}>← API Keys</Link>
      </p>
      <PageHeading title={key.name}>
        {panel.kind !== 'rotated' && panel.kind !== 'revealed' && (
          <div className="toolbar">
            {live && (
              <button type="button" className="button secondary" onClick={() => setPanel({ kind: 'edit' })}>
                Edit
              </button>
            )}
            {rotatable && (
              <button type="button" className="button secondary" onClick={() => setPanel({ kind: 'rotate' })}>
                Rotate
              </button>
            )}
            {key.revealPending && live && (
              <button
                type="button"
                className="button"
                onClick={() => void act(async () => setPanel({ kind: 'revealed', key: await keys.reveal(key.id) }))}
              >
                Reveal new key
              </button>
            )}
            {live && (
              <button
                type="button"
                className="button secondary"
                onClick={() =>
                  void act(async () =>
                    changed(
                      await keys.update(key.id, { isActive: !key.isActive }),
                      key.isActive ? 'The key is deactivated.' : 'The key is active again.',
                    ),
                  )
                }
              >
                {key.isActive ? 'Deactivate' : 'Reactivate'}
              </button>
            )}
            {live && (
              <button type="button" className="button danger-outline" onClick={() => setPanel({ kind: 'revoke' })}>
                Revoke
              </button>
            )}
          </div>
        )}
      </PageHeading>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />

      {panel.kind === 'rotated' && (
        <NewKey
          title="Key rotated: save the new key"
          name={panel.key.name}
          secret={panel.key.key}
          onDone={() => navigate(`/settings/api-keys/${panel.key.id}`)}
        >
          <p>
            The old key <code>{key.keyPrefix}…</code> works until {formatDateTime(panel.key.previousKey.expiresAt)}.
          </p>
        </NewKey>
      )}
      {panel.kind === 'revealed' && (
        <NewKey
          title="The scheduled key, shown once"
          name={panel.key.name}
          secret={panel.key.key}
          onDone={() => {
            const { key: _secret, ...view } = panel.key;
            setPanel({ kind: 'none' });
            changed(view, '');
          }}
        />
      )}
      {panel.kind === 'edit' && (
        <EditKeyForm
          apiKey={key}
          onCancel={() => setPanel({ kind: 'none' })}
          onSaved={(saved) => {
            setPanel({ kind: 'none' });
            changed(saved, 'Changes saved.');
          }}
        />
      )}

      <section className="panel" aria-labelledby="key-details-title">
        <h2 id="key-details-title">Details</h2>
        <KeyDetails apiKey={key} organizations={places.organizations} projects={places.projects} />
      </section>
      <KeyEvents keyId={key.id} version={version} />

      {panel.kind === 'rotate' && (
        <RotateDialog
          apiKey={key}
          onClose={() => setPanel({ kind: 'none' })}
          onRotated={(rotated) => setPanel({ kind: 'rotated', key: rotated })}
        />
      )}
      {panel.kind === 'revoke' && (
        <RevokeDialog
          apiKey={key}
          onClose={() => setPanel({ kind: 'none' })}
          onRevoked={(revoked) => {
            setPanel({ kind: 'none' });
            changed(revoked, `“${revoked.name}” was revoked.`);
          }}
        />
      )}
    </>
  );
}
