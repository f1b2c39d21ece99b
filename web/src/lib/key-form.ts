import type { CreateKeyInput } from '../api/types';
import { parseAddressList } from './format';

export const EXPIRY_CHOICES = [
  { value: 'never', label: 'Never' },
  { value: '7', label: 'In 7 days' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'date', label: 'On a date…' },
];

export const DAY_MS = 86_400_000;

export interface KeyFormValues {
  name: string;
  scopes: Set<string>;
  expiry: string;
  expiryDate: string;
  rateLimit: string;
  rateWindow: string;
  quota: string;
  quotaPeriod: 'day' | 'month';
  allowedIps: string;
  rotateEveryDays: string;
  rotationGraceHours: string;
  binding: string;
}

export const EMPTY_KEY_FORM: KeyFormValues = {
  name: '',
  scopes: new Set(),
  expiry: 'never',
  expiryDate: '',
  rateLimit: '',
  rateWindow: '60',
  quota: '',
  quotaPeriod: 'month',
  allowedIps: '',
  rotateEveryDays: '',
  rotationGraceHours: '',
  binding: '',
};

/** The form's values as `POST /api/keys` takes them; empty fields are left out (the server's defaults). */
export function toCreateInput(values: KeyFormValues, now = Date.now()): CreateKeyInput {
  const input: CreateKeyInput = { name: values.name.trim(), scopes: [...values.scopes].sort() };
  if (values.expiry === 'date' && values.expiryDate) input.expiresAt = new Date(`${values.expiryDate}T00:00:00`).toISOString();
  else if (values.expiry !== 'never' && values.expiry !== 'date')
    input.expiresAt = new Date(now + Number(values.expiry) * DAY_MS).toISOString();
  if (values.rateLimit) input.rateLimit = { limit: Number(values.rateLimit), windowSeconds: Number(values.rateWindow || 60) };
  if (values.quota) input.quota = { limit: Number(values.quota), period: values.quotaPeriod };
  const addresses = parseAddressList(values.allowedIps);
  if (addresses.length) input.allowedIps = addresses;
  if (values.rotateEveryDays) {
    input.rotationPolicy = { everyDays: Number(values.rotateEveryDays) };
    if (values.rotationGraceHours) input.rotationPolicy.gracePeriodSeconds = Number(values.rotationGraceHours) * 3600;
  }
  const [kind, id] = values.binding.split(':');
  if (kind === 'org') input.organizationId = id;
  if (kind === 'project') input.projectId = id;
  return input;
}
