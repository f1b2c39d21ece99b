import { ReactNode, useEffect } from 'react';
import { Layout } from './components/layout';
import { matchPath, useRouter } from './lib/router';
import { Router } from './lib/router';
import { ApiKeysPage } from './pages/api-keys';
import { CreateAccountPage } from './pages/create-account';
import { KeyPage } from './pages/key-page';
import { NotFoundPage } from './pages/not-found';
import { SecurityPage } from './pages/security';
import { SessionsPage } from './pages/sessions';
import { SignInPage } from './pages/sign-in';
import { CREATE_ACCOUNT, HOME, SECURITY, SESSIONS, SIGN_IN, SessionProvider, useSession } from './session';
import { Services, ServicesContext } from './services';

export function App({ services }: { services: Services }) {
  return (
    <ServicesContext.Provider value={services}>
      <Router>
        <SessionProvider>
          <Layout>
            <Routes />
          </Layout>
        </SessionProvider>
      </Router>
    </ServicesContext.Provider>
  );
}

/** The signed-in pages, by path pattern. */
const PAGES: Array<{ pattern: string; render: (params: Record<string, string>) => ReactNode }> = [
  { pattern: HOME, render: () => <ApiKeysPage /> },
  // Keyed by id: another key's page starts from a clean state (no plaintext carried over).
  { pattern: `${HOME}/:id`, render: (params) => <KeyPage key={params.id} id={params.id} /> },
  { pattern: SESSIONS, render: () => <SessionsPage /> },
  { pattern: SECURITY, render: () => <SecurityPage /> },
];

function Routes() {
  const { status, retry } = useSession();
  const { path, navigate } = useRouter();
  const signedIn = status === 'signed-in';
  const publicPage = path === SIGN_IN || path === CREATE_ACCOUNT;

  useEffect(() => {
    // Signed in, a page for signing in has nothing to offer; "/" is the keys.
    if (signedIn && (publicPage || path === '/')) navigate(HOME, { replace: true });
  }, [signedIn, publicPage, path, navigate]);

  if (status === 'loading') return <p className="loading">Loading…</p>;
  if (status === 'unreachable') {
    return (
      <section className="panel narrow">
        <p role="alert">Argus cannot be reached.</p>
        <button type="button" className="button" onClick={retry}>
          Try again
        </button>
      </section>
    );
  }
  if (!signedIn) return path === CREATE_ACCOUNT ? <CreateAccountPage /> : <SignInPage />;
  if (publicPage || path === '/') return null;
  for (const page of PAGES) {
    const params = matchPath(page.pattern, path);
    if (params) return page.render(params);
  }
  return <NotFoundPage />;
}
