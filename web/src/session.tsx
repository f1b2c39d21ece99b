import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from './api/client';
import type { MfaChallenge, SignedIn, User } from './api/types';
import { useRouter } from './lib/router';
import { useServices } from './services';

export const HOME = '/settings/api-keys';
export const SIGN_IN = '/sign-in';
export const SESSIONS = '/account/sessions';
export const SECURITY = '/account/security';
export const CREATE_ACCOUNT = '/create-account';
export const ADMIN_USERS = '/admin/users';
export const ADMIN_KEYS = '/admin/keys';
export const ADMIN_AUDIT = '/admin/audit';
export const PROFILE = '/account/profile';
export const ACCOUNT_DATA = '/account/data';
export const ORGANIZATIONS = '/organizations';
export const WEBHOOKS = '/webhooks';
const PUBLIC_PATHS = [SIGN_IN, CREATE_ACCOUNT];

type Status = 'loading' | 'signed-out' | 'signed-in' | 'unreachable';

interface SessionState {
  status: Status;
  user: User | null;
  /** Why the visitor is at Sign in (signed out, session ended), shown there once. */
  notice: string | null;
  registrationOpen: boolean;
  /** Signs in; for an account with two-factor on, answers the challenge of the code step instead. */
  signIn: (email: string, password: string) => Promise<MfaChallenge | null>;
  /** The code step: the challenge's token and a code (authenticator or recovery). */
  signInCode: (mfaToken: string, code: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** After "Sign out everywhere": this browser's session is gone too. */
  ended: (notice: string, comeBack?: boolean) => void;
  retry: () => void;
  /** After a profile change: the header shows the new email. */
  updated: (user: User) => void;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside <SessionProvider>');
  return state;
}

/**
 * Who is signed in, from the session cookie (the browser never sees the session token). The CSRF
 * token is kept by the API client in memory: after a reload it is fetched again.
 */
export function SessionProvider({ children }: { children: React.ReactNode }) {
  const { api, auth } = useServices();
  const { path, navigate } = useRouter();
  const [status, setStatus] = useState<Status>('loading');
  const [user, setUser] = useState<User | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [registrationOpen, setRegistrationOpen] = useState(false);
  const [attempt, setAttempt] = useState(0);
  // Where a signed-out visitor was going: back there after signing in.
  const returnTo = useRef<string | null>(null);
  const pathRef = useRef(path);
  useLayoutEffect(() => {
    pathRef.current = path;
  }, [path]);

  const ended = useCallback(
    (message: string, comeBack = false) => {
      api.setCsrfToken(undefined);
      setUser(null);
      setStatus('signed-out');
      setNotice(message);
      // Several requests may fail at once when a session ends: the first one, still on the page, says where to come back to.
      if (!comeBack) returnTo.current = null;
      else if (pathRef.current !== SIGN_IN) returnTo.current = pathRef.current;
      if (pathRef.current !== SIGN_IN) navigate(SIGN_IN, { replace: true });
    },
    [api, navigate],
  );

  useEffect(() => {
    api.onSessionEnded(() => ended('Your session has ended. Sign in again to continue.', true));
    return () => api.onSessionEnded(undefined);
  }, [api, ended]);

  useEffect(() => {
    let cancelled = false;
    auth
      .me()
      .then(async (me) => {
        if (me.method === 'session') api.setCsrfToken((await auth.csrf()).csrfToken);
        if (cancelled) return;
        setUser(me);
        setStatus('signed-in');
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        if (!(error instanceof ApiError && error.status === 401)) return setStatus('unreachable');
        setStatus('signed-out');
        if (!PUBLIC_PATHS.includes(pathRef.current)) {
          returnTo.current = pathRef.current === '/' ? null : pathRef.current;
          navigate(SIGN_IN, { replace: true });
        }
      });
    return () => {
      cancelled = true;
    };
  }, [api, auth, navigate, attempt]);

  // Only a signed-out visitor needs to know (for "Create account"): one request less for everyone else.
  const registrationAsked = useRef(false);
  useEffect(() => {
    if (status !== 'signed-out' || registrationAsked.current) return;
    registrationAsked.current = true;
    auth.options().then(
      (options) => setRegistrationOpen(options.registrationOpen),
      () => undefined,
    );
  }, [auth, status]);

  const finish = useCallback(
    (signedIn: SignedIn) => {
      api.setCsrfToken(signedIn.csrfToken);
      setUser(signedIn.user);
      setNotice(null);
      setStatus('signed-in');
      navigate(returnTo.current ?? HOME, { replace: true });
      returnTo.current = null;
    },
    [api, navigate],
  );

  const value = useMemo<SessionState>(
    () => ({
      status,
      user,
      notice,
      registrationOpen,
      signIn: async (email, password) => {
        const answer = await auth.signIn(email, password);
        if ('mfaRequired' in answer) return answer;
        finish(answer);
        return null;
      },
      signInCode: async (mfaToken, code) => finish(await auth.signInCode(mfaToken, code)),
      signOut: async () => {
        await auth.signOut().catch((error: unknown) => {
          // Already over on the server: signed out all the same.
          if (!(error instanceof ApiError && error.status === 401)) throw error;
        });
        ended('You are signed out.');
      },
      ended,
      updated: (changed) => setUser((current) => (current ? { ...current, ...changed } : current)),
      retry: () => {
        setStatus('loading');
        setAttempt((n) => n + 1);
      },
    }),
    [status, user, notice, registrationOpen, auth, ended, finish],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
