import { ReactNode, useState } from 'react';
import { Link, useRouter } from '../lib/router';
import {
  ACCOUNT_DATA,
  ADMIN_AUDIT,
  ADMIN_KEYS,
  ADMIN_USERS,
  HOME,
  ORGANIZATIONS,
  PROFILE,
  SECURITY,
  SESSIONS,
  WEBHOOKS,
  useSession,
} from '../session';
import { describeError } from './notice';

const NAVIGATION: Array<{ to: string; label: string; adminOnly?: boolean }> = [
  { to: HOME, label: 'API Keys' },
  { to: ORGANIZATIONS, label: 'Organizations' },
  { to: WEBHOOKS, label: 'Webhooks' },
  { to: SESSIONS, label: 'Sessions' },
  { to: PROFILE, label: 'Profile' },
  { to: SECURITY, label: 'Security' },
  { to: ACCOUNT_DATA, label: 'Your data' },
  { to: ADMIN_USERS, label: 'Users', adminOnly: true },
  { to: ADMIN_KEYS, label: 'All keys', adminOnly: true },
  { to: ADMIN_AUDIT, label: 'Audit log', adminOnly: true },
];

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const { path } = useRouter();
  const [signOutError, setSignOutError] = useState<unknown>(null);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">Argus</span>
        {user && (
          <>
            <nav aria-label="Main">
              <ul>
                {NAVIGATION.filter((item) => !item.adminOnly || user.role === 'admin').map((item) => (
                  <li key={item.to}>
                    <Link to={item.to} aria-current={path === item.to || path.startsWith(`${item.to}/`) ? 'page' : undefined}>
                      {item.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </nav>
            <div className="account">
              <span className="account-email">{user.email}</span>
              <button type="button" className="button secondary" onClick={() => void signOut().catch(setSignOutError)}>
                Sign out
              </button>
            </div>
          </>
        )}
      </header>
      {signOutError !== null && (
        <p className="notice error banner" role="alert">
          Could not sign out: {describeError(signOutError)}
        </p>
      )}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
