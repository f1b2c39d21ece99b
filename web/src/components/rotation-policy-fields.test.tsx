import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { apiKey, created, ok, signedInApi } from '../test-support/fake-api';
import { fakeKey } from '../test-support/keys';
import { renderApp } from '../test-support/render-app';
import { RotationPolicyFields } from './rotation-policy-fields';

function Harness({ withNotice }: { withNotice: boolean }) {
  const [values, setValues] = useState({ everyDays: '', graceHours: '', notifyDays: '' });
  return (
    <RotationPolicyFields
      everyDays={values.everyDays}
      graceHours={values.graceHours}
      notifyDays={withNotice ? values.notifyDays : undefined}
      onChange={(field, value) => setValues((current) => ({ ...current, [field]: value }))}
      everyHint="Empty: rotated only by hand."
      graceMaxHours={withNotice ? undefined : 2160}
    />
  );
}

describe('RotationPolicyFields', () => {
  it('labels every field in a "Rotation policy" group; the grace period waits for a schedule', async () => {
    const user = userEvent.setup();
    render(<Harness withNotice={false} />);
    const group = screen.getByRole('group', { name: 'Rotation policy' });
    const every = within(group).getByLabelText('Rotate every (days)');
    expect(every.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(every.getAttribute('aria-describedby')!)?.textContent).toBe('Empty: rotated only by hand.');
    const grace = within(group).getByLabelText<HTMLInputElement>('Old key works for (hours)');
    expect(grace.disabled).toBe(true);
    expect(grace.max).toBe('2160');
    expect(within(group).queryByLabelText('Notice (days before)')).toBeNull();
    await user.type(every, '30');
    expect(grace.disabled).toBe(false);
  });

  it('adds the notice field when given one', async () => {
    const user = userEvent.setup();
    render(<Harness withNotice />);
    const notify = screen.getByLabelText<HTMLInputElement>('Notice (days before)');
    expect(notify.disabled).toBe(true);
    await user.type(screen.getByLabelText('Rotate every (days)'), '7');
    await user.type(notify, '2');
    expect(notify.value).toBe('2');
  });

  it('the create form sends the policy it holds', async () => {
    const api = signedInApi().on('POST', '/api/keys', (request) =>
      created({ ...apiKey({ name: (request.body as { name: string }).name }), key: fakeKey('policy') }),
    );
    const { user } = renderApp(api, '/settings/api-keys');
    await user.click(await screen.findByRole('button', { name: 'Create API Key' }));
    await user.type(screen.getByLabelText('Name'), 'rotating');
    await user.click(screen.getByRole('checkbox', { name: 'read:keys' }));
    await user.type(screen.getByLabelText('Rotate every (days)'), '30');
    await user.type(screen.getByLabelText('Old key works for (hours)'), '12');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByRole('heading', { name: 'API key created' });
    expect((api.last('POST', '/api/keys')?.body as { rotationPolicy: unknown }).rotationPolicy).toEqual({
      everyDays: 30,
      gracePeriodSeconds: 43_200,
    });
  });

  it('the edit form starts from the key’s policy and sends only what changed', async () => {
    let key = apiKey({ rotationPolicy: { everyDays: 90, gracePeriodSeconds: 86_400, notifyDaysBefore: 7 } });
    const api = signedInApi()
      .on('GET', '/api/keys/:id', () => ok(key))
      .on('GET', '/api/keys/:id/events', () => ok([], { meta: { page: 1, limit: 50, total: 0 } }))
      .on('PATCH', '/api/keys/:id', (request) => {
        key = { ...key, ...(request.body as object) };
        return ok(key);
      });
    const { user } = renderApp(api, `/settings/api-keys/${key.id}`);
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('region', { name: 'Edit “CI deploy bot”' });
    expect(within(form).getByLabelText<HTMLInputElement>('Rotate every (days)').value).toBe('90');
    expect(within(form).getByLabelText<HTMLInputElement>('Old key works for (hours)').value).toBe('24');
    const notify = within(form).getByLabelText<HTMLInputElement>('Notice (days before)');
    expect(notify.value).toBe('7');
    await user.clear(notify);
    await user.type(notify, '3');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    await screen.findByRole('button', { name: 'Edit' });
    expect(api.last('PATCH', `/api/keys/${key.id}`)?.body).toEqual({
      rotationPolicy: { everyDays: 90, gracePeriodSeconds: 86_400, notifyDaysBefore: 3 },
    });
  });
});
