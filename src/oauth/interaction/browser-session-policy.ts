import { sessionTokenIn } from '../../auth/sessions/session-cookie';
import type { OidcModule } from '../provider/oidc-provider.host';

/**
 * oidc-provider's interaction policy with one more reason to show the login page. The library
 * remembers who signed in with its own session cookie, which outlives a sign-out from the
 * dashboard or a switch to another user there. The browser's Argus session (the dashboard's) is
 * the truth: when it has ended, or belongs to someone else, the remembered account is not used
 * (the login page comes again, where a live dashboard session signs its own user in, and
 * `prompt=none` gets `login_required`).
 */
export function browserSessionPolicy(
  module: OidcModule,
  signedInUser: (sessionToken: string) => Promise<string | undefined>,
): Record<string, unknown> {
  const { base, Check } = module.interactionPolicy;
  const policy = base();
  policy.get('login')?.checks.push(
    new Check('browser_session', 'The browser is no longer signed in to Argus as this user', 'login_required', async (ctx) => {
      const { session, result } = ctx.oidc;
      // No account yet (the library's no_session check asks), or one signed in during this very request.
      if (!session?.accountId || result?.login) return Check.NO_NEED_TO_PROMPT;
      const token = sessionTokenIn((name) => ctx.cookies.get(name, { signed: false }));
      const live = token ? await signedInUser(token) : undefined;
      return live === session.accountId ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return { interactions: { policy } };
}
