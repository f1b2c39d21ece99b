import { Injectable, OnModuleInit } from '@nestjs/common';
import { sessionTokenIn } from '../../auth/sessions/session-cookie';
import { SessionsService } from '../../auth/sessions/sessions.service';
import { OidcModule, OidcProviderHost } from '../provider/oidc-provider.host';

/** The user a browser session token stands for, or undefined when it is unknown, ended or expired. */
export async function signedInUser(sessions: SessionsService, token: string): Promise<string | undefined> {
  try {
    return (await sessions.authenticate(token)).userId;
  } catch {
    return undefined;
  }
}

/** Adds the policy below to the provider, before it is built at bootstrap. */
@Injectable()
export class BrowserSessionPolicy implements OnModuleInit {
  constructor(
    private readonly host: OidcProviderHost,
    private readonly sessions: SessionsService,
  ) {}

  onModuleInit(): void {
    this.host.configure((module) => browserSessionPolicy(module, (token) => signedInUser(this.sessions, token)));
  }
}

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
