import { FormEvent, useCallback, useState } from 'react';
import type { AdminKeyFilter } from '../api/admin';
import type { AdminApiKey, KeyStatus } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { StatusBadge } from '../components/key-bits';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { Pager } from '../components/pager';
import { formatDate, formatDateTime } from '../lib/format';
import { queryParam, replaceQuery } from '../lib/router';
import { usePagedList } from '../lib/use-paged-list';
import { useServices } from '../services';

const STATUSES: KeyStatus[] = ['active', 'inactive', 'revoked', 'expired', 'rotated'];

interface Filters {
  ownerEmail: string;
  search: string;
  status: string;
}

const toFilter = (filters: Filters): AdminKeyFilter => ({
  ownerEmail: filters.ownerEmail.trim() || undefined,
  search: filters.search.trim() || undefined,
  status: (filters.status || undefined) as KeyStatus | undefined,
});

export function AdminKeysPage() {
  const { admin } = useServices();
  const [draft, setDraft] = useState<Filters>(() => ({
    ownerEmail: queryParam('ownerEmail'),
    search: queryParam('search'),
    status: queryParam('status'),
  }));
  const [applied, setApplied] = useState(draft);
  const fetchPage = useCallback((page: number) => admin.keys(toFilter(applied), page), [admin, applied]);
  const { page, setPage, list, error: loadError, reload } = usePagedList(fetchPage);
  const [deleting, setDeleting] = useState<AdminApiKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [announcement, setAnnouncement] = useState('');

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
    setPage(1);
    replaceQuery({ ownerEmail: draft.ownerEmail.trim(), search: draft.search.trim(), status: draft.status });
  };

  const setActive = async (key: AdminApiKey, isActive: boolean) => {
    setError(null);
    try {
      await admin.setKeyActive(key.id, isActive);
      setAnnouncement(`“${key.name}” of ${key.owner.email} is ${isActive ? 'active again' : 'deactivated'}.`);
      await reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <>
      <PageHeading title="All keys" />
      <p className="lead">Every API key, whoever owns it, newest first. Deactivating stops a key at once; activating undoes it.</p>
      <form className="panel filters" role="search" aria-label="Filter keys" onSubmit={apply}>
        <div className="field">
          <label htmlFor="keys-owner">Owner email</label>
          <input
            id="keys-owner"
            type="email"
            value={draft.ownerEmail}
            onChange={(event) => setDraft({ ...draft, ownerEmail: event.target.value })}
            aria-describedby="keys-owner-hint"
          />
          <p className="hint" id="keys-owner-hint">
            The whole address.
          </p>
        </div>
        <div className="field">
          <label htmlFor="keys-search">Name or prefix</label>
          <input
            id="keys-search"
            type="text"
            maxLength={100}
            value={draft.search}
            onChange={(event) => setDraft({ ...draft, search: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="keys-status">Status</label>
          <select id="keys-status" value={draft.status} onChange={(event) => setDraft({ ...draft, status: event.target.value })}>
            <option value="">Any status</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-actions">
          <button type="submit" className="button">
            Apply filters
          </button>
        </div>
      </form>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error ?? loadError} />
      {list && list.items.length === 0 && <p className="panel">No key matches these filters.</p>}
      {list && list.items.length > 0 && (
        <div className="table-wrap panel">
          <table>
            <caption className="visually-hidden">Every API key, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Owner</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.keyPrefix}…</code>
                  </td>
                  <td>{key.owner.email}</td>
                  <td>
                    <StatusBadge status={key.status} />
                  </td>
                  <td>{formatDate(key.createdAt)}</td>
                  <td>{formatDateTime(key.lastUsedAt, 'Never')}</td>
                  <td>
                    <div className="toolbar">
                      {key.isActive && key.status === 'active' && (
                        <button
                          type="button"
                          className="button secondary small"
                          aria-label={`Deactivate ${key.name} of ${key.owner.email}`}
                          onClick={() => void setActive(key, false)}
                        >
                          Deactivate
                        </button>
                      )}
                      {!key.isActive && key.status !== 'revoked' && (
                        <button
                          type="button"
                          className="button secondary small"
                          aria-label={`Activate ${key.name} of ${key.owner.email}`}
                          onClick={() => void setActive(key, true)}
                        >
                          Activate
                        </button>
                      )}
                      <button
                        type="button"
                        className="button danger-outline small"
                        aria-label={`Delete ${key.name} of ${key.owner.email}`}
                        onClick={() => setDeleting(key)}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} total={list.meta.total} limit={list.meta.limit} label="Pages of keys" onPage={setPage} />
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirm="Delete"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await admin.deleteKey(deleting.id);
            setAnnouncement(`“${deleting.name}” of ${deleting.owner.email} was deleted.`);
            setDeleting(null);
            await reload();
          }}
        >
          <p>
            The key <strong>{deleting.name}</strong> (<code>{deleting.keyPrefix}…</code>) of <strong>{deleting.owner.email}</strong> is
            removed: every request with it gets <code>401 invalid_api_key</code>, and the keys minted from it are revoked. This cannot be
            undone; to stop it for a while, deactivate it instead.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
