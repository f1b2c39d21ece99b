import { FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { OrganizationView, canManage } from '../api/organizations';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ErrorNotice } from '../components/notice';
import { OrganizationKeys } from '../components/organization-keys';
import { OrganizationMembers } from '../components/organization-members';
import { OrganizationProjects } from '../components/organization-projects';
import { PageHeading } from '../components/page';
import { formatDateTime } from '../lib/format';
import { Link, useRouter } from '../lib/router';
import { useServices } from '../services';
import { ORGANIZATIONS } from '../session';
import { ROLE_LABELS } from './organizations';

type Panel = 'none' | 'rename' | 'delete' | 'leave';

export function OrganizationPage({ id }: { id: string }) {
  const { organizations } = useServices();
  const { navigate } = useRouter();
  const [organization, setOrganization] = useState<OrganizationView | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [panel, setPanel] = useState<Panel>('none');
  const [announcement, setAnnouncement] = useState('');
  // Bumped when a change elsewhere on the page (a project deleted) changes what the keys list shows.
  const [version, setVersion] = useState(0);

  const load = useCallback(
    () =>
      organizations.get(id).then(
        (found) => {
          setOrganization(found);
          setMissing(false);
        },
        (caught: unknown) => {
          if (caught instanceof ApiError && (caught.status === 404 || caught.code === 'validation_failed')) setMissing(true);
          else setError(caught);
        },
      ),
    [organizations, id],
  );
  useEffect(() => {
    void load();
  }, [load]);

  if (missing) {
    return (
      <section className="panel narrow">
        <PageHeading title="Organization not found" />
        <p>There is no organisation of yours with this id.</p>
        <Link to={ORGANIZATIONS}>Back to Organizations</Link>
      </section>
    );
  }
  if (!organization) return error ? <ErrorNotice error={error} /> : <p className="loading">Loading…</p>;

  const { role } = organization;
  const manager = canManage(role);
  return (
    <>
      <p>
        <Link to={ORGANIZATIONS}>← Organizations</Link>
      </p>
      <PageHeading title={organization.name}>
        <div className="toolbar">
          {manager && (
            <button type="button" className="button secondary" onClick={() => setPanel('rename')}>
              Rename
            </button>
          )}
          <button type="button" className="button secondary" onClick={() => setPanel('leave')}>
            Leave
          </button>
          {role === 'owner' && (
            <button type="button" className="button danger-outline" onClick={() => setPanel('delete')}>
              Delete
            </button>
          )}
        </div>
      </PageHeading>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {panel === 'rename' && (
        <RenameForm
          organization={organization}
          onCancel={() => setPanel('none')}
          onSaved={(saved) => {
            setOrganization(saved);
            setPanel('none');
            setAnnouncement(`Renamed to “${saved.name}”.`);
          }}
        />
      )}

      <section className="panel" aria-labelledby="organization-details-title">
        <h2 id="organization-details-title">Details</h2>
        <dl className="details">
          <dt>Your role</dt>
          <dd>{ROLE_LABELS[role]}</dd>
          <dt>ID</dt>
          <dd>
            <code>{organization.id}</code>
          </dd>
          <dt>Created</dt>
          <dd>{formatDateTime(organization.createdAt)}</dd>
          <dt>Updated</dt>
          <dd>{formatDateTime(organization.updatedAt)}</dd>
        </dl>
      </section>
      <OrganizationMembers organizationId={organization.id} role={role} />
      <OrganizationProjects organizationId={organization.id} role={role} onChanged={() => setVersion((n) => n + 1)} />
      <OrganizationKeys organizationId={organization.id} role={role} version={version} />

      {panel === 'delete' && (
        <ConfirmDialog
          danger
          title={`Delete “${organization.name}”?`}
          confirm="Delete organization"
          onClose={() => setPanel('none')}
          onConfirm={async () => {
            await organizations.remove(organization.id);
            navigate(ORGANIZATIONS);
          }}
        >
          <p>
            The organisation <strong>{organization.name}</strong>, its projects and memberships are deleted, and so is every key bound to it
            or to its projects: those keys stop working at once. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
      {panel === 'leave' && (
        <ConfirmDialog
          danger
          title={`Leave “${organization.name}”?`}
          confirm="Leave organization"
          onClose={() => setPanel('none')}
          onConfirm={async () => {
            await organizations.leave(organization.id);
            navigate(ORGANIZATIONS);
          }}
        >
          <p>
            You lose access to <strong>{organization.name}</strong> and its projects; your keys bound here lose every scope until someone
            adds you back. The last owner cannot leave.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function RenameForm({
  organization,
  onCancel,
  onSaved,
}: {
  organization: OrganizationView;
  onCancel: () => void;
  onSaved: (saved: OrganizationView) => void;
}) {
  const { organizations } = useServices();
  const id = useId();
  const [name, setName] = useState(organization.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(await organizations.rename(organization.id, name.trim()));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Rename organization</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            type="text"
            required
            maxLength={100}
            ref={nameRef}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            Save
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
