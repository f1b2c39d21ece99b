import { PageHeading } from '../components/page';
import { Link } from '../lib/router';
import { HOME } from '../session';

export function NotFoundPage() {
  return (
    <section className="panel narrow">
      <PageHeading title="Page not found" />
      <p>There is no page at this address.</p>
      <p>
        <Link to={HOME}>Go to your API keys</Link>
      </p>
    </section>
  );
}
