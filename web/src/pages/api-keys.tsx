import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiKey, CreatedApiKey } from '../api/types';
import { CreateKeyForm } from '../components/create-key-form';
import { ScopeList, StatusBadge } from '../components/key-bits';
import { NewKey } from '../components/new-key';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { RevokeDialog } from '../components/revoke-dialog';
import { formatDate, formatDateTime } from '../lib/format';
import { Link } from '../lib/router';
import { roleScopes } from '../lib/scopes';
import { useServices } from '../services';
import { useSession } from '../session';

const PAGE_SIZE = 20;

type Panel = { kind: 'none' } | { kind: 'create' } | { kind: 'created'; key: CreatedApiKey };

export function ApiKeysPage() {
  const { keys } = useServices();
  const { user } = useSession();
  const [page, setPage] = useState(1);
  const [list, setList] = useState<{ items: ApiKey[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The plaintext of a new key lives here, and only here: gone when the panel closes or the page reloads.
  const [panel, setPanel] = useState<Panel>({ kind: 'none' });
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const createButton = useRef<HTMLButtonElement>(null);

  const load = useCallback(
    (wanted: number) =>
      keys.list(wanted, PAGE_SIZE).then(
        (result) => {
          setList({ items: result.items, total: result.meta.total });
          setError(null);
        },
        (caught: unknown) => setError(caught),
      ),
    [keys],
  );
  useEffect(() => {
    void load(page);
  }, [load, page]);

  const closePanel = () => {
    setPanel({ kind: 'none' });
    requestAnimationFrame(() => createButton.current?.focus());
  };
  const pages = list ? Math.max(1, Math.ceil(list.total / PAGE_SIZE)) : 1;

  return (
    <>
      <PageHeading title="API Keys">
        {panel.kind === 'none' && (
          <button ref={createButton} type="button" className="button" onClick={() => setPanel({ kind: 'create' })}>
            Create API Key
          </button>
        )}
      </PageHeading>
      <p className="lead">
        Keys let scripts and services call Argus as you, with only the scopes you give them. Send one as <code>X-API-Key</code>.
      </p>

      {panel.kind === 'create' && (
        <CreateKeyForm
          grantable={roleScopes(user?.role ?? 'user')}
          onCancel={closePanel}
          onCreated={(key) => {
            setPanel({ kind: 'created', key });
            setPage(1);
            void load(1);
          }}
        />
      )}
      {panel.kind === 'created' && <NewKey title="API key created" name={panel.key.name} secret={panel.key.key} onDone={closePanel} />}

      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {list && list.items.length === 0 && page === 1 && (
        <section className="panel">
          <p>No API keys yet. Create one to call the API from a script, a CI job or a service.</p>
        </section>
      )}
      {list && list.items.length > 0 && (
        <div className="table-wrap panel">
          <table>
            <caption className="visually-hidden">Your API keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((key) => (
                <tr key={key.id}>
                  <td>
                    <Link to={`/settings/api-keys/${key.id}`}>{key.name}</Link>
                  </td>
                  <td>
                    <code>{key.keyPrefix}…</code>
                  </td>
                  <td>
                    <ScopeList scopes={key.scopes} />
                  </td>
                  <td>
                    <StatusBadge status={key.status} />
                  </td>
                  <td>{formatDate(key.createdAt)}</td>
                  <td>{formatDateTime(key.lastUsedAt, 'Never')}</td>
                  <td>{formatDate(key.expiresAt, 'Never')}</td>
                  <td>
                    {key.status !== 'revoked' && (
                      <button
                        type="button"
                        className="button danger-outline small"
                        aria-label={`Revoke ${key.name}`}
                        onClick={() => setRevoking(key)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {pages > 1 && (
            <nav className="pager" aria-label="Pages of keys">
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
      {revoking && (
        <RevokeDialog
          apiKey={revoking}
          onClose={() => setRevoking(null)}
          onRevoked={(key) => {
            setRevoking(null);
            setAnnouncement(`“${key.name}” was revoked.`);
            void load(page);
          }}
        />
      )}
    </>
  );
}
