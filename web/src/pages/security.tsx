import { ChangePassword } from '../components/change-password';
import { PageHeading } from '../components/page';

/** Account → Security: the password (and, with the two-factor slice, two-factor authentication). */
export function SecurityPage() {
  return (
    <>
      <PageHeading title="Security" />
      <ChangePassword />
    </>
  );
}
