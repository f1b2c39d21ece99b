import { Layout } from './components/layout';
import { Router, useRouter } from './lib/router';
import { NotFoundPage } from './pages/not-found';
import { SessionProvider, useSession } from './session';
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

function Routes() {
  const { status, retry } = useSession();
  useRouter();
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
  return <NotFoundPage />;
}
