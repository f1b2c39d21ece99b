import { useId } from 'react';

export type RotationPolicyField = 'everyDays' | 'graceHours' | 'notifyDays';

interface RotationPolicyFieldsProps {
  everyDays: string;
  graceHours: string;
  /** Shown only when given: the notice before each scheduled rotation. */
  notifyDays?: string;
  onChange: (field: RotationPolicyField, value: string) => void;
  /** What an empty "Rotate every" means in this form. */
  everyHint: string;
  /** The grace period's upper bound in hours (the create form's, from the server's limit). */
  graceMaxHours?: number;
}

/**
 * The rotation policy fieldset of the create and edit key forms: the schedule, how long the old
 * key keeps working, and (when editing) the notice; the last two wait for a schedule.
 */
export function RotationPolicyFields({ everyDays, graceHours, notifyDays, onChange, everyHint, graceMaxHours }: RotationPolicyFieldsProps) {
  const id = useId();
  const grace = (
    <div className="field">
      <label htmlFor={`${id}-grace`}>Old key works for (hours)</label>
      <input
        id={`${id}-grace`}
        type="number"
        min={0}
        max={graceMaxHours}
        step={graceMaxHours === undefined ? 'any' : undefined}
        value={graceHours}
        disabled={!everyDays}
        onChange={(event) => onChange('graceHours', event.target.value)}
      />
    </div>
  );
  return (
    <fieldset>
      <legend>Rotation policy</legend>
      <div className="field">
        <label htmlFor={`${id}-every`}>Rotate every (days)</label>
        <input
          id={`${id}-every`}
          type="number"
          min={1}
          max={3650}
          value={everyDays}
          onChange={(event) => onChange('everyDays', event.target.value)}
          aria-describedby={`${id}-every-hint`}
        />
        <p className="hint" id={`${id}-every-hint`}>
          {everyHint}
        </p>
      </div>
      {notifyDays === undefined ? (
        grace
      ) : (
        <div className="inline-fields">
          {grace}
          <div className="field">
            <label htmlFor={`${id}-notify`}>Notice (days before)</label>
            <input
              id={`${id}-notify`}
              type="number"
              min={0}
              value={notifyDays}
              disabled={!everyDays}
              onChange={(event) => onChange('notifyDays', event.target.value)}
            />
          </div>
        </div>
      )}
    </fieldset>
  );
}
