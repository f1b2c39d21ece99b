import { ChangePassword } from '../components/change-password';
import { PageHeading } from '../components/page';
import { TwoFactorSection } from '../components/two-factor';

/** Account → Security: the password and two-factor authentication. */
export function SecurityPage() {
  return (
    <>
      <PageHeading title="Security" />
      <ChangePassword />
      <TwoFactorSection />
    </>
  );
}
