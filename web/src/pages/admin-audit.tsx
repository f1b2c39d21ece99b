import { FormEvent, useCallback, useState } from 'react';
import { auditCsvUrl, type AuditFilter } from '../api/admin';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { Pager } from '../components/pager';
import { AuditFormValues, KNOWN_ACTIONS, describeChanges, toAuditFilter } from '../lib/audit-filter';
import { formatDateTime } from '../lib/format';
import { queryParam, replaceQuery } from '../lib/router';
import { usePagedList } from '../lib/use-paged-list';
import { useServices } from '../services';

const initialValues = (): AuditFormValues => ({
  actor: queryParam('actor'),
  action: queryParam('action'),
  targetId: queryParam('targetId'),
  from: queryParam('from'),
  to: queryParam('to'),
});

export function AdminAuditPage() {
  const { admin } = useServices();
  const [draft, setDraft] = useState<AuditFormValues>(initialValues);
  const [applied, setApplied] = useState(draft);
  // The filters as last sent, for the CSV link: the export matches the table.
  const [sent, setSent] = useState<AuditFilter>({});

  const resolveActor = useCallback(
    async (actor: string): Promise<string | undefined> => {
      const wanted = actor.trim().toLowerCase();
      if (!wanted) return undefined;
      if (!wanted.includes('@')) return wanted;
      const found = await admin.users({ search: wanted }, 1, 100);
      const match = found.items.find((user) => user.email === wanted);
      if (!match) throw new Error(`No user has the email ${wanted}.`);
      return match.id;
    },
    [admin],
  );
  const fetchPage = useCallback(
    async (page: number) => {
      const filter = toAuditFilter(applied, await resolveActor(applied.actor));
      setSent(filter);
      return admin.auditEvents(filter, page);
    },
    [admin, applied, resolveActor],
  );
  const { page, setPage, list, error } = usePagedList(fetchPage);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
    setPage(1);
    replaceQuery({ ...draft });
  };
  const field = (name: keyof AuditFormValues) => ({
    id: `audit-${name}`,
    value: draft[name],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value }),
  });

  return (
    <>
      <PageHeading title="Audit log">
        <a className="button secondary" href={auditCsvUrl(sent)} download="audit-events.csv">
          Export CSV
        </a>
      </PageHeading>
      <p className="lead">Every lifecycle and admin event, newest first. Export CSV downloads every match of the filters (up to 10,000).</p>
      <form className="panel filters" role="search" aria-label="Filter the audit log" onSubmit={apply}>
        <div className="field">
          <label htmlFor="audit-actor">Actor</label>
          <input type="text" {...field('actor')} aria-describedby="audit-actor-hint" />
          <p className="hint" id="audit-actor-hint">
            A user’s email or id.
          </p>
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input type="text" list="audit-actions" {...field('action')} aria-describedby="audit-action-hint" />
          <datalist id="audit-actions">
            {KNOWN_ACTIONS.map((action) => (
              <option key={action} value={action} />
            ))}
          </datalist>
          <p className="hint" id="audit-action-hint">
            Such as key.deactivated.
          </p>
        </div>
        <div className="field">
          <label htmlFor="audit-targetId">Target id</label>
          <input type="text" {...field('targetId')} aria-describedby="audit-target-hint" />
          <p className="hint" id="audit-target-hint">
            The user or key acted on.
          </p>
        </div>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input type="date" {...field('from')} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To (inclusive)</label>
          <input type="date" {...field('to')} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="button">
            Apply filters
          </button>
        </div>
      </form>
      <ErrorNotice error={error} />
      {list && list.items.length === 0 && <p className="panel">No event matches these filters.</p>}
      {list && list.items.length > 0 && (
        <div className="table-wrap panel">
          <table>
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">IP address</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((event) => (
                <tr key={event.id}>
                  <td>{formatDateTime(event.occurredAt)}</td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td>
                    {event.actorType}
                    {event.actorId && <code className="id">{event.actorId}</code>}
                  </td>
                  <td>
                    {event.targetType}
                    {event.targetId && <code className="id">{event.targetId}</code>}
                  </td>
                  <td>{event.ip ?? '—'}</td>
                  <td className="changes">{describeChanges(event.changes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} total={list.meta.total} limit={list.meta.limit} label="Pages of events" onPage={setPage} />
        </div>
      )}
    </>
  );
}
