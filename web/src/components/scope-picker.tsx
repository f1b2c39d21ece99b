import { ALL_SCOPES, SCOPE_ACTIONS, holdsScope, scopeGrid } from '../lib/scopes';

interface ScopePickerProps {
  /** What the caller may grant: its own scopes (a key never holds more than its owner). */
  grantable: readonly string[];
  selected: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  legend?: string;
  describedBy?: string;
}

/** The scope grammar as a grid: one checkbox per action and resource the caller may grant. */
export function ScopePicker({ grantable, selected, onChange, legend = 'Scopes', describedBy }: ScopePickerProps) {
  const toggle = (scope: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(scope);
    else next.delete(scope);
    onChange(next);
  };
  const everything = selected.has(ALL_SCOPES);
  const rows = scopeGrid(grantable).filter((row) => row.cells.some((cell) => cell.grantable));
  return (
    <fieldset aria-describedby={describedBy}>
      <legend>{legend}</legend>
      {holdsScope(grantable, ALL_SCOPES) && grantable.includes(ALL_SCOPES) && (
        <label className="checkbox-line">
          <input type="checkbox" checked={everything} onChange={(event) => toggle(ALL_SCOPES, event.target.checked)} />{' '}
          <code>admin:all</code> (everything, administration included)
        </label>
      )}
      <div className="table-wrap">
        <table className="scope-grid">
          <thead>
            <tr>
              <th scope="col">Resource</th>
              {SCOPE_ACTIONS.map((action) => (
                <th scope="col" key={action}>
                  {action}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.resource}>
                <th scope="row">{row.resource}</th>
                {row.cells.map((cell) => (
                  <td key={cell.scope}>
                    {cell.grantable ? (
                      <input
                        type="checkbox"
                        aria-label={cell.scope}
                        checked={everything || selected.has(cell.scope)}
                        disabled={everything}
                        onChange={(event) => toggle(cell.scope, event.target.checked)}
                      />
                    ) : (
                      <span className="muted">
                        <span aria-hidden="true">–</span>
                        <span className="visually-hidden">{cell.scope}: not yours to grant</span>
                      </span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </fieldset>
  );
}
