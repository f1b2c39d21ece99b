import { AnchorHTMLAttributes, MouseEvent, createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

/**
 * A router of a few lines: the History API and a path in React state. The dashboard has a handful
 * of routes, and a library would be most of its first page's JavaScript.
 */
interface RouterState {
  path: string;
  navigate: (to: string, options?: { replace?: boolean }) => void;
}

const RouterContext = createContext<RouterState>({ path: '/', navigate: () => undefined });

export function Router({ children }: { children: React.ReactNode }) {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  // Stable, so effects may depend on it without running again at every navigation.
  // `to` may carry a query (`/admin/keys?ownerEmail=…`): the page reads it with `queryParam`; the path alone routes.
  const navigate = useCallback<RouterState['navigate']>((to, options) => {
    if (to !== window.location.pathname + window.location.search) {
      if (options?.replace) window.history.replaceState(null, '', to);
      else window.history.pushState(null, '', to);
    }
    setPath(to.split(/[?#]/)[0]);
  }, []);
  const value = useMemo<RouterState>(() => ({ path, navigate }), [path, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export const useRouter = () => useContext(RouterContext);

/** A parameter of the address's query, as a page reads its starting filters (empty when absent). */
export function queryParam(name: string): string {
  return new URLSearchParams(window.location.search).get(name) ?? '';
}

/** Shows `query` in the address bar (replacing, not adding history), so a reload or a shared link keeps the filters. */
export function replaceQuery(query: Record<string, string | undefined>): void {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const search = params.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}`);
}

/** `/settings/api-keys/:id` against a path: the named segments, or undefined when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.replace(/\/+$/, '').split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!have[i]) return undefined;
      params[want[i].slice(1)] = decodeURIComponent(have[i]);
    } else if (want[i] !== have[i]) {
      return undefined;
    }
  }
  return params;
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const { navigate } = useRouter();
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    // A new tab, a new window, a download: the browser's business.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...rest} />;
}
