import { useCallback, useEffect, useRef, useState } from 'react';
import type { Paged } from '../api/client';

/**
 * A page of a list the API pages, reloaded when `fetchPage` changes (new filters: call `setPage(1)`
 * with them) or the page does. An answer that arrives after a newer request was made is dropped.
 */
export function usePagedList<T>(fetchPage: (page: number) => Promise<Paged<T>>) {
  const [page, setPage] = useState(1);
  const [list, setList] = useState<Paged<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(0);
  const reload = useCallback(() => {
    const request = ++latest.current;
    return fetchPage(page).then(
      (result) => {
        if (request !== latest.current) return;
        setList(result);
        setError(null);
      },
      (caught: unknown) => {
        if (request === latest.current) setError(caught);
      },
    );
  }, [fetchPage, page]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { page, setPage, list, error, reload };
}
