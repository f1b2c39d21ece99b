import type { KeyStatus } from '../api/types';

export function StatusBadge({ status }: { status: KeyStatus }) {
  return <span className={`status status-${status}`}>{status}</span>;
}

export function ScopeList({ scopes }: { scopes: readonly string[] }) {
  if (!scopes.length) return <span className="muted">none</span>;
  return (
    <ul className="scopes">
      {scopes.map((scope) => (
        <li key={scope} className="scope">
          {scope}
        </li>
      ))}
    </ul>
  );
}
