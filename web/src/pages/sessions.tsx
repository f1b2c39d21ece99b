import { useCallback, useEffect, useState } from 'react';
import type { Session } from '../api/types';
import { Dialog } from '../components/dialog';
import { ErrorNotice } from '../components/notice';
import { PageHeading } from '../components/page';
import { formatDateTime } from '../lib/format';
import { describeUserAgent } from '../lib/user-agent';
import { useServices } from '../services';
import { useSession } from '../session';

/** When a session ends unless used again: the idle deadline, never after the absolute one. */
function endsAt(session: Session): string {
  return session.idleExpiresAt && session.idleExpiresAt < session.expiresAt ? session.idleExpiresAt : session.expiresAt;
}

export function SessionsPage() {
  const { auth } = useServices();
  const { signOut, ended } = useSession();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [announcement, setAnnouncement] = useState('');

  const load = useCallback(
    () =>
      auth.sessions().then(
        (page) => setSessions(page.items),
        (caught: unknown) => setError(caught),
      ),
    [auth],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const revoke = async (session: Session) => {
    setError(null);
    try {
      if (session.current) return await signOut();
      await auth.revokeSession(session.id);
      setAnnouncement(`${describeUserAgent(session.userAgent)} is signed out.`);
      await load();
    } catch (caught) {
      setError(caught);
    }
  };

  const signOutEverywhere = async () => {
    setBusy(true);
    try {
      await auth.signOutEverywhere();
      ended('You are signed out everywhere: every session of your account has ended.');
    } catch (caught) {
      setError(caught);
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <>
      <PageHeading title="Sessions">
        <button type="button" className="button danger-outline" onClick={() => setConfirming(true)}>
          Sign out everywhere
        </button>
      </PageHeading>
      <p className="lead">The browsers signed in to your account. Signing one out ends it on its next request.</p>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {sessions && (
        <div className="table-wrap panel">
          <table>
            <caption className="visually-hidden">Your active sessions</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">Ends</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => {
                const device = describeUserAgent(session.userAgent);
                return (
                  <tr key={session.id}>
                    <td>
                      {device}
                      {session.current && <span className="status status-active current-tag">This browser</span>}
                    </td>
                    <td>{session.ip ?? '—'}</td>
                    <td>{formatDateTime(session.createdAt)}</td>
                    <td>{formatDateTime(session.lastSeenAt)}</td>
                    <td>{formatDateTime(endsAt(session))}</td>
                    <td>
                      <button
                        type="button"
                        className="button secondary small"
                        aria-label={
                          session.current
                            ? 'Sign out of this browser'
                            : `Sign out ${device}, signed in ${formatDateTime(session.createdAt)}`
                        }
                        onClick={() => void revoke(session)}
                      >
                        Sign out
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {confirming && (
        <Dialog
          title="Sign out everywhere?"
          onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" className="button secondary" onClick={() => setConfirming(false)} data-autofocus>
                Cancel
              </button>
              <button type="button" className="button danger" disabled={busy} onClick={() => void signOutEverywhere()}>
                Sign out everywhere
              </button>
            </>
          }
        >
          <p>Every session of your account ends, this browser’s included, and so do its refresh tokens. API keys keep working.</p>
        </Dialog>
      )}
    </>
  );
}
