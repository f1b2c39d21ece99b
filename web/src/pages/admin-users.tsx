import { FormEvent, useCallback, useState } from 'react';
import type { AdminUserFilter } from '../api/admin';
import type { User } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { Pager } from '../components/pager';
import { formatDate } from '../lib/format';
import { Link, queryParam, replaceQuery, useRouter } from '../lib/router';
import { usePagedList } from '../lib/use-paged-list';
import { useServices } from '../services';
import { ADMIN_AUDIT, ADMIN_KEYS, HOME, useSession } from '../session';

type Role = User['role'];
interface Filters {
  search: string;
  role: string;
  status: string;
}
type Pending = { kind: 'status' | 'mfa'; user: User } | { kind: 'demote-self'; user: User };

const toFilter = (filters: Filters): AdminUserFilter => ({
  search: filters.search.trim() || undefined,
  role: (filters.role || undefined) as Role | undefined,
  isActive: filters.status === '' ? undefined : filters.status === 'active',
});

export function AdminUsersPage() {
  const { admin } = useServices();
  const { user: me, retry } = useSession();
  const { navigate } = useRouter();
  const [draft, setDraft] = useState<Filters>(() => ({
    search: queryParam('search'),
    role: queryParam('role'),
    status: queryParam('status'),
  }));
  const [applied, setApplied] = useState(draft);
  const fetchPage = useCallback((page: number) => admin.users(toFilter(applied), page), [admin, applied]);
  const { page, setPage, list, error: loadError, reload } = usePagedList(fetchPage);
  // Roles chosen in a row's select and not saved yet, by user id.
  const [roles, setRoles] = useState<Record<string, Role>>({});
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [announcement, setAnnouncement] = useState('');

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
    setPage(1);
    replaceQuery({ ...draft, search: draft.search.trim() });
  };

  const saveRole = async (user: User, role: Role) => {
    await admin.updateUser(user.id, { role });
    setRoles(({ [user.id]: _saved, ...rest }) => rest);
    setAnnouncement(`${user.email} is now ${role === 'admin' ? 'an admin' : 'a user'}.`);
    if (user.id === me?.id) {
      // This session's role changed: ask again who is signed in, and leave the administrators' pages.
      navigate(HOME, { replace: true });
      retry();
      return;
    }
    await reload();
  };

  const trySaveRole = async (user: User) => {
    const role = roles[user.id];
    if (!role) return;
    if (user.id === me?.id && role !== 'admin') return setPending({ kind: 'demote-self', user });
    setError(null);
    await saveRole(user, role).catch(setError);
  };

  const confirmPending = async (action: Pending) => {
    const { user } = action;
    if (action.kind === 'demote-self') await saveRole(user, 'user');
    else if (action.kind === 'status') {
      await admin.updateUser(user.id, { isActive: !user.isActive });
      setAnnouncement(`${user.email} is ${user.isActive ? 'deactivated' : 'active again'}.`);
    } else {
      await admin.resetTwoFactor(user.id);
      setAnnouncement(`Two-factor is off for ${user.email}.`);
    }
    setPending(null);
    if (action.kind !== 'demote-self') await reload();
  };

  return (
    <>
      <PageHeading title="Users" />
      <p className="lead">Every account on this Argus. A change applies on the user’s next request.</p>
      <form className="panel filters" role="search" aria-label="Filter users" onSubmit={apply}>
        <div className="field">
          <label htmlFor="users-search">Search</label>
          <input
            id="users-search"
            type="text"
            value={draft.search}
            maxLength={100}
            aria-describedby="users-search-hint"
            onChange={(event) => setDraft({ ...draft, search: event.target.value })}
          />
          <p className="hint" id="users-search-hint">
            Part of the email or the name.
          </p>
        </div>
        <div className="field">
          <label htmlFor="users-role">Role</label>
          <select id="users-role" value={draft.role} onChange={(event) => setDraft({ ...draft, role: event.target.value })}>
            <option value="">Any role</option>
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="users-status">Status</label>
          <select id="users-status" value={draft.status} onChange={(event) => setDraft({ ...draft, status: event.target.value })}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="inactive">Inactive</option>
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
      {list && list.items.length === 0 && <p className="panel">No user matches these filters.</p>}
      {list && list.items.length > 0 && (
        <div className="table-wrap panel">
          <table>
            <caption className="visually-hidden">Users, in sign-up order</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((user) => {
                const chosen = roles[user.id] ?? user.role;
                return (
                  <tr key={user.id}>
                    <td>
                      {user.email}
                      {user.id === me?.id && <span className="status status-active current-tag">You</span>}
                    </td>
                    <td>{user.name ?? '—'}</td>
                    <td>
                      <div className="inline-control">
                        <select
                          aria-label={`Role of ${user.email}`}
                          value={chosen}
                          onChange={(event) => setRoles({ ...roles, [user.id]: event.target.value as Role })}
                        >
                          <option value="user">user</option>
                          <option value="admin">admin</option>
                        </select>
                        {chosen !== user.role && (
                          <button
                            type="button"
                            className="button small"
                            aria-label={`Save role of ${user.email}`}
                            onClick={() => void trySaveRole(user)}
                          >
                            Save
                          </button>
                        )}
                      </div>
                    </td>
                    <td>
                      <span className={`status status-${user.isActive ? 'active' : 'inactive'}`}>
                        {user.isActive ? 'active' : 'inactive'}
                      </span>
                      {user.mfaEnabled && <span className="muted"> · two-factor on</span>}
                    </td>
                    <td>{formatDate(user.createdAt)}</td>
                    <td>
                      <div className="toolbar">
                        <button
                          type="button"
                          className={user.isActive ? 'button danger-outline small' : 'button secondary small'}
                          aria-label={`${user.isActive ? 'Deactivate' : 'Activate'} ${user.email}`}
                          onClick={() => setPending({ kind: 'status', user })}
                        >
                          {user.isActive ? 'Deactivate' : 'Activate'}
                        </button>
                        {user.mfaEnabled && (
                          <button
                            type="button"
                            className="button secondary small"
                            aria-label={`Reset two-factor of ${user.email}`}
                            onClick={() => setPending({ kind: 'mfa', user })}
                          >
                            Reset two-factor
                          </button>
                        )}
                        <Link to={`${ADMIN_KEYS}?ownerEmail=${encodeURIComponent(user.email)}`} aria-label={`Keys of ${user.email}`}>
                          Keys
                        </Link>
                        <Link to={`${ADMIN_AUDIT}?actor=${encodeURIComponent(user.email)}`} aria-label={`Activity of ${user.email}`}>
                          Activity
                        </Link>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Pager page={page} total={list.meta.total} limit={list.meta.limit} label="Pages of users" onPage={setPage} />
        </div>
      )}
      {pending && <PendingDialog pending={pending} onConfirm={() => confirmPending(pending)} onClose={() => setPending(null)} />}
    </>
  );
}

function PendingDialog({ pending, onConfirm, onClose }: { pending: Pending; onConfirm: () => Promise<void>; onClose: () => void }) {
  const { user } = pending;
  if (pending.kind === 'demote-self') {
    return (
      <ConfirmDialog title="Remove your own admin role?" confirm="Remove my admin role" danger onConfirm={onConfirm} onClose={onClose}>
        <p>
          You lose the administrators’ pages and routes at once, in this session too. Another admin has to give the role back. The last
          active admin cannot be demoted.
        </p>
      </ConfirmDialog>
    );
  }
  if (pending.kind === 'mfa') {
    return (
      <ConfirmDialog
        title={`Reset two-factor for ${user.email}?`}
        confirm="Reset two-factor"
        danger
        onConfirm={onConfirm}
        onClose={onClose}
      >
        <p>
          Two-factor is turned off for <strong>{user.email}</strong>: they sign in with their password alone until they turn it on again. Do
          this only once you know it is them asking.
        </p>
      </ConfirmDialog>
    );
  }
  return user.isActive ? (
    <ConfirmDialog title={`Deactivate ${user.email}?`} confirm="Deactivate" danger onConfirm={onConfirm} onClose={onClose}>
      <p>
        <strong>{user.email}</strong> is locked out at once: their sessions, tokens and API keys stop working until an admin activates the
        account again.
      </p>
    </ConfirmDialog>
  ) : (
    <ConfirmDialog title={`Activate ${user.email}?`} confirm="Activate" onConfirm={onConfirm} onClose={onClose}>
      <p>
        <strong>{user.email}</strong> can sign in again, and their API keys work again.
      </p>
    </ConfirmDialog>
  );
}
