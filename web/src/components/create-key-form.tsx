import { FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { CreatedApiKey, Organization, Project } from '../api/types';
import { DAY_MS, EMPTY_KEY_FORM, EXPIRY_CHOICES, KeyFormValues, toCreateInput } from '../lib/key-form';
import { useServices } from '../services';
import { ErrorNotice } from './notice';
import { RotationPolicyFields } from './rotation-policy-fields';
import { ScopePicker } from './scope-picker';

interface CreateKeyFormProps {
  /** The caller's own scopes: the most a key may get. */
  grantable: readonly string[];
  onCreated: (key: CreatedApiKey) => void;
  onCancel: () => void;
}

export function CreateKeyForm({ grantable, onCreated, onCancel }: CreateKeyFormProps) {
  const { keys } = useServices();
  const [values, setValues] = useState<KeyFormValues>(EMPTY_KEY_FORM);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [organizations, setOrganizations] = useState<Organization[]>([]);
  const [projects, setProjects] = useState<Project[]>([]);
  const nameRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const [tomorrow] = useState(() => new Date(Date.now() + DAY_MS).toISOString().slice(0, 10));
  const set = <K extends keyof KeyFormValues>(field: K, value: KeyFormValues[K]) =>
    setValues((current) => ({ ...current, [field]: value }));

  useEffect(() => nameRef.current?.focus(), []);
  useEffect(() => {
    let cancelled = false;
    Promise.all([keys.organizations(), keys.projects()])
      .then(([orgs, projs]) => {
        if (cancelled) return;
        setOrganizations(orgs.items);
        setProjects(projs.items);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [keys]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!values.scopes.size) {
      setError(new Error('Choose at least one scope for the key.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onCreated(await keys.create(toCreateInput(values)));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create API Key</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            ref={nameRef}
            id={`${id}-name`}
            type="text"
            required
            maxLength={100}
            value={values.name}
            onChange={(event) => set('name', event.target.value)}
            aria-describedby={`${id}-name-hint`}
          />
          <p className="hint" id={`${id}-name-hint`}>
            What uses it, so you recognise it later: “CI deploy bot”, “billing service”.
          </p>
        </div>

        <ScopePicker
          grantable={grantable}
          selected={values.scopes}
          onChange={(next) => set('scopes', next)}
          describedBy={`${id}-scopes-hint`}
        />
        <p className="hint" id={`${id}-scopes-hint`}>
          A key holds at most the scopes you hold. Give it only what it needs.
        </p>

        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${id}-expiry`}>Expires</label>
            <select id={`${id}-expiry`} value={values.expiry} onChange={(event) => set('expiry', event.target.value)}>
              {EXPIRY_CHOICES.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
          {values.expiry === 'date' && (
            <div className="field">
              <label htmlFor={`${id}-expiry-date`}>Expiry date</label>
              <input
                id={`${id}-expiry-date`}
                type="date"
                required
                min={tomorrow}
                value={values.expiryDate}
                onChange={(event) => set('expiryDate', event.target.value)}
              />
            </div>
          )}
          <div className="field">
            <label htmlFor={`${id}-binding`}>Organisation or project</label>
            <select
              id={`${id}-binding`}
              value={values.binding}
              onChange={(event) => set('binding', event.target.value)}
              aria-describedby={`${id}-binding-hint`}
            >
              <option value="">None: everything you can reach</option>
              {organizations.map((organization) => (
                <optgroup key={organization.id} label={organization.name}>
                  <option value={`org:${organization.id}`}>{organization.name} (whole organisation)</option>
                  {projects
                    .filter((project) => project.organizationId === organization.id)
                    .map((project) => (
                      <option key={project.id} value={`project:${project.id}`}>
                        {organization.name} / {project.name}
                      </option>
                    ))}
                </optgroup>
              ))}
            </select>
            <p className="hint" id={`${id}-binding-hint`}>
              A bound key reaches only that organisation or project.
            </p>
          </div>
        </div>

        <fieldset>
          <legend>Limits</legend>
          <div className="form-grid">
            <div className="field">
              <label htmlFor={`${id}-rate`}>Rate limit (requests)</label>
              <input
                id={`${id}-rate`}
                type="number"
                min={1}
                max={1_000_000}
                value={values.rateLimit}
                onChange={(event) => set('rateLimit', event.target.value)}
                aria-describedby={`${id}-rate-hint`}
              />
              <p className="hint" id={`${id}-rate-hint`}>
                Empty: the server’s default.
              </p>
            </div>
            <div className="field">
              <label htmlFor={`${id}-window`}>Per (seconds)</label>
              <input
                id={`${id}-window`}
                type="number"
                min={1}
                max={86_400}
                value={values.rateWindow}
                onChange={(event) => set('rateWindow', event.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-quota`}>Quota (requests)</label>
              <input
                id={`${id}-quota`}
                type="number"
                min={1}
                max={1_000_000_000}
                value={values.quota}
                onChange={(event) => set('quota', event.target.value)}
                aria-describedby={`${id}-quota-hint`}
              />
              <p className="hint" id={`${id}-quota-hint`}>
                Empty: no quota.
              </p>
            </div>
            <div className="field">
              <label htmlFor={`${id}-quota-period`}>Quota period</label>
              <select
                id={`${id}-quota-period`}
                value={values.quotaPeriod}
                onChange={(event) => set('quotaPeriod', event.target.value as 'day' | 'month')}
              >
                <option value="day">Per day</option>
                <option value="month">Per month</option>
              </select>
            </div>
          </div>
        </fieldset>

        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${id}-ips`}>IP allowlist</label>
            <textarea
              id={`${id}-ips`}
              value={values.allowedIps}
              onChange={(event) => set('allowedIps', event.target.value)}
              aria-describedby={`${id}-ips-hint`}
              spellCheck={false}
            />
            <p className="hint" id={`${id}-ips-hint`}>
              Addresses or CIDR ranges (203.0.113.7, 10.0.0.0/8, 2001:db8::/32), one per line. Empty: any address.
            </p>
          </div>
          <RotationPolicyFields
            everyDays={values.rotateEveryDays}
            graceHours={values.rotationGraceHours}
            onChange={(field, value) => set(field === 'everyDays' ? 'rotateEveryDays' : 'rotationGraceHours', value)}
            everyHint="Empty: rotated only by hand."
            graceMaxHours={2160}
          />
        </div>

        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            Create
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
