import { PageHeading } from '../components/page';
import { TwoFactorSection } from '../components/two-factor';

/** Account → Security: the password and two-factor authentication. */
export function SecurityPage() {
  return (
    <>
      <PageHeading title="Security" />
      {/* MERGE: the account slice's <ChangePassword /> (web/src/components/change-password.tsx) goes here, above two-factor. */}
      <TwoFactorSection />
    </>
  );
}
