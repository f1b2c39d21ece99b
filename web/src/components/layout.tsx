import { ReactNode, useState } from 'react';
import { Link, useRouter } from '../lib/router';
import { HOME, SECURITY, SESSIONS, useSession } from '../session';
import { describeError } from './notice';

const NAVIGATION = [
  { to: HOME, label: 'API Keys' },
  { to: SESSIONS, label: 'Sessions' },
  { to: SECURITY, label: 'Security' },
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
                {NAVIGATION.map((item) => (
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
