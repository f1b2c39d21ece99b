import { FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { OrganizationRole, ProjectView, canManage } from '../api/organizations';
import { formatDate } from '../lib/format';
import { useServices } from '../services';
import { ConfirmDialog } from './confirm-dialog';
import { Dialog } from './dialog';
import { ErrorNotice } from './notice';

interface ProjectsProps {
  organizationId: string;
  role: OrganizationRole;
  /** A project was deleted (its keys with it). */
  onChanged: () => void;
}

export function OrganizationProjects({ organizationId, role, onChanged }: ProjectsProps) {
  const { organizations } = useServices();
  const [projects, setProjects] = useState<ProjectView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [renaming, setRenaming] = useState<ProjectView | null>(null);
  const [deleting, setDeleting] = useState<ProjectView | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const manager = canManage(role);

  const load = useCallback(
    () =>
      organizations.projects(organizationId).then(
        (page) => setProjects(page.items),
        (caught: unknown) => setError(caught),
      ),
    [organizations, organizationId],
  );
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="panel" aria-labelledby="projects-title">
      <h2 id="projects-title">Projects</h2>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {projects && projects.length === 0 && <p>No projects yet.</p>}
      {projects && projects.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Projects, by name</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
                {manager && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {projects.map((project) => (
                <tr key={project.id}>
                  <td>{project.name}</td>
                  <td>{project.description ?? '—'}</td>
                  <td>{formatDate(project.createdAt)}</td>
                  {manager && (
                    <td>
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button secondary small"
                          aria-label={`Rename ${project.name}`}
                          onClick={() => setRenaming(project)}
                        >
                          Rename
                        </button>
                        <button
                          type="button"
                          className="button danger-outline small"
                          aria-label={`Delete ${project.name}`}
                          onClick={() => setDeleting(project)}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {manager && (
        <CreateProjectForm
          organizationId={organizationId}
          onCreated={(project) => {
            setAnnouncement(`Project “${project.name}” created.`);
            void load();
          }}
        />
      )}
      {renaming && (
        <RenameProjectDialog
          project={renaming}
          onClose={() => setRenaming(null)}
          onSaved={(saved) => {
            setRenaming(null);
            setAnnouncement(`Renamed to “${saved.name}”.`);
            void load();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          danger
          title={`Delete project “${deleting.name}”?`}
          confirm="Delete project"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await organizations.deleteProject(deleting.id);
            setAnnouncement(`Project “${deleting.name}” deleted.`);
            setDeleting(null);
            onChanged();
            await load();
          }}
        >
          <p>
            The project <strong>{deleting.name}</strong> is deleted with every key bound to it: those keys stop working at once. This cannot
            be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function CreateProjectForm({ organizationId, onCreated }: { organizationId: string; onCreated: (project: ProjectView) => void }) {
  const { organizations } = useServices();
  const id = useId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const project = await organizations.createProject(organizationId, name.trim(), description.trim() || undefined);
      setName('');
      setDescription('');
      onCreated(project);
    } catch (caught) {
      setError(caught);
    }
    setBusy(false);
  };
  return (
    <form className="subform" aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-title`}>Create a project</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Project name</label>
          <input
            id={`${id}-name`}
            type="text"
            required
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-describedby={`${id}-name-hint`}
          />
          <p className="hint" id={`${id}-name-hint`}>
            Unique within the organisation.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-description`}>Description (optional)</label>
          <input
            id={`${id}-description`}
            type="text"
            maxLength={500}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
      </div>
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          Create project
        </button>
      </div>
    </form>
  );
}

function RenameProjectDialog({
  project,
  onClose,
  onSaved,
}: {
  project: ProjectView;
  onClose: () => void;
  onSaved: (saved: ProjectView) => void;
}) {
  const { organizations } = useServices();
  const id = useId();
  const [name, setName] = useState(project.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(await organizations.updateProject(project.id, { name: name.trim() }));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Rename project “${project.name}”`}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={`${id}-form`} className="button" disabled={busy}>
            Save
          </button>
        </>
      }
    >
      <form id={`${id}-form`} onSubmit={(event) => void save(event)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Project name</label>
          <input id={`${id}-name`} type="text" required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
        </div>
      </form>
      <ErrorNotice error={error} />
    </Dialog>
  );
}
