import { FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import type { OrganizationView } from '../api/organizations';
import { CopyButton } from '../components/copy-button';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { formatDate } from '../lib/format';
import { Link, useRouter } from '../lib/router';
import { useServices } from '../services';
import { ORGANIZATIONS, useSession } from '../session';

export const ROLE_LABELS = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;

export function OrganizationsPage() {
  const { organizations } = useServices();
  const { user } = useSession();
  const { navigate } = useRouter();
  const [list, setList] = useState<OrganizationView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const createButton = useRef<HTMLButtonElement>(null);

  const load = useCallback(
    () =>
      organizations.list().then(
        (page) => {
          setList(page.items);
          setError(null);
        },
        (caught: unknown) => setError(caught),
      ),
    [organizations],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const close = () => {
    setCreating(false);
    requestAnimationFrame(() => createButton.current?.focus());
  };

  return (
    <>
      <PageHeading title="Organizations">
        {!creating && (
          <button ref={createButton} type="button" className="button" onClick={() => setCreating(true)}>
            Create organization
          </button>
        )}
      </PageHeading>
      <p className="lead">
        An organisation groups people and projects. Keys bound to it or to one of its projects reach only that, within what each member’s
        role allows.
      </p>
      {creating && <CreateOrganizationForm onCancel={close} onCreated={(created) => navigate(`${ORGANIZATIONS}/${created.id}`)} />}
      <ErrorNotice error={error} />
      {list && list.length === 0 && (
        <section className="panel">
          <p>You are not in any organisation yet. Create one, or ask an organisation’s owner or admin to add you.</p>
        </section>
      )}
      {list && list.length > 0 && (
        <div className="table-wrap panel">
          <table>
            <caption className="visually-hidden">Your organizations</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Your role</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((organization) => (
                <tr key={organization.id}>
                  <td>
                    <Link to={`${ORGANIZATIONS}/${organization.id}`}>{organization.name}</Link>
                  </td>
                  <td>{ROLE_LABELS[organization.role]}</td>
                  <td>{formatDate(organization.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {user && (
        <section className="panel" aria-labelledby="user-id-title">
          <h2 id="user-id-title">Joining an organisation</h2>
          <p>
            Owners and admins add people by user ID (never by email, so an organisation cannot be used to find out who has an account). Give
            yours to them:
          </p>
          <p className="details-row">
            <span className="muted">Your user ID</span> <code id="my-user-id">{user.id}</code>{' '}
            <CopyButton text={user.id} label="Copy your user ID" className="button secondary small" />
          </p>
        </section>
      )}
    </>
  );
}

function CreateOrganizationForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (created: OrganizationView) => void }) {
  const { organizations } = useServices();
  const id = useId();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await organizations.create(name.trim()));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create organization</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            ref={nameRef}
            id={`${id}-name`}
            type="text"
            required
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-describedby={`${id}-hint`}
          />
          <p className="hint" id={`${id}-hint`}>
            You become its owner.
          </p>
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            Create
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
