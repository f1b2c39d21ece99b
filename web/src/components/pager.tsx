/** Previous / Next through a list the API pages (`meta.page`, `limit`, `total`); nothing when it fits on one page. */
export function Pager({
  page,
  total,
  limit,
  label,
  onPage,
}: {
  page: number;
  total: number;
  limit: number;
  label: string;
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / limit));
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="button secondary small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" className="button secondary small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}
