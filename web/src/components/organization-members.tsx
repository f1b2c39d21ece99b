import { FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Member, ORGANIZATION_ROLES, OrganizationRole, canManage } from '../api/organizations';
import { formatDate } from '../lib/format';
import { ROLE_LABELS } from '../pages/organizations';
import { useServices } from '../services';
import { useSession } from '../session';
import { ConfirmDialog } from './confirm-dialog';
import { ErrorNotice } from './notice';

interface MembersProps {
  organizationId: string;
  /** The caller's role here. */
  role: OrganizationRole;
}

/** The roles `role` may hand out: only owners grant owner. */
const grantable = (role: OrganizationRole) => ORGANIZATION_ROLES.filter((candidate) => role === 'owner' || candidate !== 'owner');

export function OrganizationMembers({ organizationId, role }: MembersProps) {
  const { organizations } = useServices();
  const { user } = useSession();
  const [members, setMembers] = useState<Member[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const manager = canManage(role);

  const load = useCallback(
    () =>
      organizations.members(organizationId).then(
        (page) => setMembers(page.items),
        (caught: unknown) => setError(caught),
      ),
    [organizations, organizationId],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const changeRole = async (member: Member, next: OrganizationRole) => {
    setError(null);
    try {
      await organizations.changeRole(organizationId, member.userId, next);
      setAnnouncement(`${member.email} is now ${ROLE_LABELS[next].toLowerCase()}.`);
    } catch (caught) {
      setError(caught);
    }
    await load();
  };

  return (
    <section className="panel" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {members && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Members, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((member) => {
                const self = member.userId === user?.id;
                // Admins manage admins and members; only owners touch owners. Your own role you change by leaving.
                const editable = manager && !self && (role === 'owner' || member.role !== 'owner');
                return (
                  <tr key={member.userId}>
                    <td>
                      {member.name ?? '—'}
                      {self && <span className="status status-active current-tag">You</span>}
                    </td>
                    <td>{member.email}</td>
                    <td>
                      {editable ? (
                        <select
                          aria-label={`Role of ${member.email}`}
                          value={member.role}
                          onChange={(event) => void changeRole(member, event.target.value as OrganizationRole)}
                        >
                          {grantable(role).map((option) => (
                            <option key={option} value={option}>
                              {ROLE_LABELS[option]}
                            </option>
                          ))}
                        </select>
                      ) : (
                        ROLE_LABELS[member.role]
                      )}
                    </td>
                    <td>{formatDate(member.createdAt)}</td>
                    <td>
                      {editable && (
                        <button
                          type="button"
                          className="button danger-outline small"
                          aria-label={`Remove ${member.email}`}
                          onClick={() => setRemoving(member)}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {manager && (
        <AddMemberForm
          organizationId={organizationId}
          roles={grantable(role)}
          onAdded={(member) => {
            setAnnouncement(`${member.email} was added as ${ROLE_LABELS[member.role].toLowerCase()}.`);
            void load();
          }}
        />
      )}
      {removing && (
        <ConfirmDialog
          danger
          title={`Remove ${removing.email}?`}
          confirm="Remove member"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await organizations.removeMember(organizationId, removing.userId);
            setAnnouncement(`${removing.email} was removed.`);
            setRemoving(null);
            await load();
          }}
        >
          <p>
            <strong>{removing.email}</strong> loses access to this organisation and its projects, and their keys bound here lose every
            scope.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function AddMemberForm({
  organizationId,
  roles,
  onAdded,
}: {
  organizationId: string;
  roles: OrganizationRole[];
  onAdded: (member: Member) => void;
}) {
  const { organizations } = useServices();
  const id = useId();
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<OrganizationRole>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const member = await organizations.addMember(organizationId, userId.trim(), role);
      setUserId('');
      setRole('member');
      onAdded(member);
    } catch (caught) {
      setError(caught);
    }
    setBusy(false);
  };
  return (
    <form className="subform" aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-title`}>Add a member</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-user`}>User ID</label>
          <input
            id={`${id}-user`}
            type="text"
            required
            spellCheck={false}
            autoComplete="off"
            value={userId}
            onChange={(event) => setUserId(event.target.value)}
            aria-describedby={`${id}-user-hint`}
          />
          <p className="hint" id={`${id}-user-hint`}>
            The person finds it on their Organizations page. Argus does not look people up by email.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as OrganizationRole)}>
            {roles.map((option) => (
              <option key={option} value={option}>
                {ROLE_LABELS[option]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          Add member
        </button>
      </div>
    </form>
  );
}
