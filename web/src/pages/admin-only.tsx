import { ReactNode } from 'react';
import { PageHeading } from '../components/page';
import { Link } from '../lib/router';
import { HOME, useSession } from '../session';

/**
 * An administrators' page, or for anyone else a plain refusal. The API refuses them too (403 on
 * every /api/admin route): this only spares them a page of errors.
 */
export function AdminOnly({ page }: { page: ReactNode }) {
  const { user } = useSession();
  if (user?.role === 'admin') return page;
  return (
    <section className="panel narrow">
      <PageHeading title="Access denied" />
      <p role="alert">This page is for administrators. Your account{user ? ` (${user.email})` : ''} does not have the admin role.</p>
      <p>
        <Link to={HOME}>Go to your API keys</Link>
      </p>
    </section>
  );
}
