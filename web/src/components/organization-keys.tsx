import { useCallback, useEffect, useState } from 'react';
import type { ApiKey } from '../api/types';
import { OrganizationKey, OrganizationRole, canManage } from '../api/organizations';
import { formatDate } from '../lib/format';
import { Link } from '../lib/router';
import { useServices } from '../services';
import { HOME, useSession } from '../session';
import { ConfirmDialog } from './confirm-dialog';
import { StatusBadge } from './key-bits';
import { ErrorNotice } from './notice';

interface KeysProps {
  organizationId: string;
  role: OrganizationRole;
  /** Bumped when the keys may have changed elsewhere on the page. */
  version: number;
}

/**
 * The keys bound to the organisation or its projects. Owners and admins see every one, whoever
 * minted it, and may revoke any; a member sees their own.
 */
export function OrganizationKeys({ organizationId, role, version }: KeysProps) {
  const { organizations } = useServices();
  const { user } = useSession();
  const manager = canManage(role);
  const [keys, setKeys] = useState<Array<ApiKey | OrganizationKey> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [announcement, setAnnouncement] = useState('');

  const load = useCallback(
    () =>
      (manager ? organizations.keys(organizationId) : organizations.myKeys(organizationId)).then(
        (page) => setKeys(page.items),
        (caught: unknown) => setError(caught),
      ),
    [organizations, organizationId, manager],
  );
  useEffect(() => {
    void load();
  }, [load, version]);

  return (
    <section className="panel" aria-labelledby="org-keys-title">
      <h2 id="org-keys-title">{manager ? 'Keys in this organisation' : 'Your keys in this organisation'}</h2>
      <p className="hint">
        Create a key bound here from <Link to={HOME}>API Keys</Link> (“Organisation or project”).
      </p>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {keys && keys.length === 0 && <p>No keys are bound to this organisation or its projects.</p>}
      {keys && keys.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Keys bound to this organisation, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                {manager && <th scope="col">Owner</th>}
                <th scope="col">Prefix</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                {manager && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => {
                const owner = 'owner' in key ? key.owner : null;
                // A key's page is its owner's: other members' keys are listed, not opened.
                const mine = !owner || owner.id === user?.id;
                return (
                  <tr key={key.id}>
                    <td>{mine ? <Link to={`${HOME}/${key.id}`}>{key.name}</Link> : key.name}</td>
                    {manager && <td>{owner?.email ?? '—'}</td>}
                    <td>
                      <code>{key.keyPrefix}…</code>
                    </td>
                    <td>
                      <StatusBadge status={key.status} />
                    </td>
                    <td>{formatDate(key.createdAt)}</td>
                    {manager && (
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
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <ConfirmDialog
          danger
          title={`Revoke “${revoking.name}”?`}
          confirm="Revoke"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await organizations.revokeKey(organizationId, revoking.id);
            setAnnouncement(`“${revoking.name}” was revoked.`);
            setRevoking(null);
            await load();
          }}
        >
          <p>
            The key <strong>{revoking.name}</strong> (<code>{revoking.keyPrefix}…</code>) stops working at once, with every key minted from
            it. Its owner’s webhooks get <code>key.revoked</code>. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
