import { FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { ApiKey, UpdateKeyInput } from '../api/types';
import { parseAddressList } from '../lib/format';
import { ALL_SCOPES, expandScopes } from '../lib/scopes';
import { useServices } from '../services';
import { ErrorNotice } from './notice';
import { RotationPolicyFields } from './rotation-policy-fields';
import { ScopePicker } from './scope-picker';

/** The key's scopes as ticked boxes: wildcards spelled out, so narrowing is unticking. */
export function initialSelection(scopes: readonly string[]): Set<string> {
  return new Set([...expandScopes(scopes), ...scopes.filter((scope) => scope === ALL_SCOPES)]);
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((item) => b.has(item));

/** Only what changed goes to `PATCH /api/keys/:id` (scopes may only narrow: the grid offers no more). */
export function toUpdateInput(
  key: ApiKey,
  values: { name: string; scopes: Set<string>; allowedIps: string; everyDays: string; graceHours: string; notifyDays: string },
): UpdateKeyInput {
  const input: UpdateKeyInput = {};
  if (values.name.trim() !== key.name) input.name = values.name.trim();
  if (!sameSet(values.scopes, initialSelection(key.scopes)))
    input.scopes = values.scopes.has(ALL_SCOPES) ? [ALL_SCOPES] : [...values.scopes].sort();
  const addresses = parseAddressList(values.allowedIps);
  if (addresses.join(',') !== (key.allowedIps ?? []).join(',')) input.allowedIps = addresses.length ? addresses : null;
  const policy = key.rotationPolicy;
  if (!values.everyDays) {
    if (policy) input.rotationPolicy = null;
  } else {
    const next = {
      everyDays: Number(values.everyDays),
      ...(values.graceHours ? { gracePeriodSeconds: Math.round(Number(values.graceHours) * 3600) } : {}),
      ...(values.notifyDays ? { notifyDaysBefore: Number(values.notifyDays) } : {}),
    };
    const unchanged =
      policy &&
      policy.everyDays === next.everyDays &&
      (next.gracePeriodSeconds ?? policy.gracePeriodSeconds) === policy.gracePeriodSeconds &&
      (next.notifyDaysBefore ?? policy.notifyDaysBefore) === policy.notifyDaysBefore;
    if (!unchanged) input.rotationPolicy = next;
  }
  return input;
}

interface EditKeyFormProps {
  apiKey: ApiKey;
  onSaved: (key: ApiKey) => void;
  onCancel: () => void;
}

export function EditKeyForm({ apiKey: key, onSaved, onCancel }: EditKeyFormProps) {
  const { keys } = useServices();
  const id = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState(key.name);
  const [scopes, setScopes] = useState(() => initialSelection(key.scopes));
  const [allowedIps, setAllowedIps] = useState((key.allowedIps ?? []).join('\n'));
  const [everyDays, setEveryDays] = useState(key.rotationPolicy ? String(key.rotationPolicy.everyDays) : '');
  const [graceHours, setGraceHours] = useState(key.rotationPolicy ? String(key.rotationPolicy.gracePeriodSeconds / 3600) : '');
  const [notifyDays, setNotifyDays] = useState(key.rotationPolicy ? String(key.rotationPolicy.notifyDaysBefore) : '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => nameRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!scopes.size) {
      setError(new Error('A key needs at least one scope. To stop it working, revoke or deactivate it.'));
      return;
    }
    const input = toUpdateInput(key, { name, scopes, allowedIps, everyDays, graceHours, notifyDays });
    if (!Object.keys(input).length) return onCancel();
    setBusy(true);
    setError(null);
    try {
      onSaved(await keys.update(key.id, input));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Edit “{key.name}”</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            ref={nameRef}
            id={`${id}-name`}
            type="text"
            required
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <ScopePicker grantable={key.scopes} selected={scopes} onChange={setScopes} describedBy={`${id}-scopes-hint`} />
        <p className="hint" id={`${id}-scopes-hint`}>
          Scopes can only be narrowed: untick what the key no longer needs. For more, create a new key.
        </p>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${id}-ips`}>IP allowlist</label>
            <textarea
              id={`${id}-ips`}
              value={allowedIps}
              spellCheck={false}
              onChange={(event) => setAllowedIps(event.target.value)}
              aria-describedby={`${id}-ips-hint`}
            />
            <p className="hint" id={`${id}-ips-hint`}>
              Addresses or CIDR ranges, one per line. Empty: any address.
            </p>
          </div>
          <RotationPolicyFields
            everyDays={everyDays}
            graceHours={graceHours}
            notifyDays={notifyDays}
            onChange={(field, value) => ({ everyDays: setEveryDays, graceHours: setGraceHours, notifyDays: setNotifyDays })[field](value)}
            everyHint="Empty: no schedule. A new policy counts from now."
          />
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            Save
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
