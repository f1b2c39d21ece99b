import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { created, fail, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

const CODES = ['aaaaa-bbbbb', 'ccccc-ddddd', 'eeeee-fffff'];
const ENROLMENT = {
  secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  otpauthUri: 'otpauth://totp/Argus:ada',
  qrCode: 'data:image/svg+xml;base64,PHN2Zy8+',
};

function securityApi(enabled = false) {
  let on = enabled;
  return signedInApi()
    .on('GET', '/api/auth/mfa', () =>
      ok({
        enabled: on,
        enabledAt: on ? '2026-11-20T10:00:00.000Z' : null,
        pending: false,
        recoveryCodesLeft: on ? 10 : 0,
        required: false,
      }),
    )
    .on('POST', '/api/auth/mfa/totp', () => created(ENROLMENT))
    .on('POST', '/api/auth/mfa/totp/confirm', (request) => {
      if ((request.body as { code: string }).code !== '135790') return fail(400, 'invalid_mfa_code', 'That code is not right');
      on = true;
      return ok({ recoveryCodes: CODES });
    })
    .on('POST', '/api/auth/mfa/recovery-codes', () => ok({ recoveryCodes: CODES }))
    .on('DELETE', '/api/auth/mfa', (request) => {
      if ((request.body as { password?: string }).password !== 'a-long-enough-password')
        return fail(403, 'invalid_credentials', 'Wrong password or authentication code');
      on = false;
      return ok(null);
    });
}

describe('Account → Security: two-factor authentication', () => {
  it('is in the navigation', async () => {
    renderApp(securityApi(), '/account/security');
    const link = await screen.findByRole('link', { name: 'Security' });
    expect(link.getAttribute('aria-current')).toBe('page');
    expect(await screen.findByRole('heading', { name: 'Security', level: 1 })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Two-factor authentication' })).toBeTruthy();
  });

  it('sets up: QR code with alt text, the secret for typing in, a wrong then a right code, the recovery codes once', async () => {
    const api = securityApi();
    const { user } = renderApp(api, '/account/security');
    await user.click(await screen.findByRole('button', { name: 'Set up two-factor authentication' }));
    const qr = await screen.findByRole('img', { name: /QR code for setting up two-factor authentication/ });
    expect(qr.getAttribute('src')).toBe(ENROLMENT.qrCode);
    expect(screen.getByText(ENROLMENT.secret)).toBeTruthy();

    await user.type(screen.getByLabelText('Authentication code'), '000000');
    await user.click(screen.getByRole('button', { name: 'Confirm' }));
    expect((await screen.findByRole('alert')).textContent).toContain('That code is not right');

    await user.type(screen.getByLabelText('Authentication code'), '135790');
    await user.click(screen.getByRole('button', { name: 'Confirm' }));
    const list = await screen.findByRole('list', { name: 'Recovery codes' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(CODES);
    expect(screen.getByRole('button', { name: 'Copy recovery codes' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('download')).toBe('argus-recovery-codes.txt');
    expect(api.last('POST', '/api/auth/mfa/totp/confirm')?.headers['X-CSRF-Token']).toBe('csrf-after-reload');

    await user.click(screen.getByRole('button', { name: 'I have saved them' }));
    expect(await screen.findByText(/10 of 10 recovery codes left/)).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Recovery codes' })).toBeNull();
  });

  it('turns off after the password, saying a wrong one is wrong', async () => {
    const api = securityApi(true);
    const { user } = renderApp(api, '/account/security');
    await user.click(await screen.findByRole('button', { name: 'Turn off two-factor authentication' }));
    const dialog = screen.getByRole('dialog', { name: 'Turn off two-factor authentication?' });
    await user.type(within(dialog).getByLabelText('Current password'), 'not-the-password');
    await user.click(within(dialog).getByRole('button', { name: 'Turn off' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('That password is not right.');
    await user.type(within(dialog).getByLabelText('Current password'), 'a-long-enough-password');
    await user.click(within(dialog).getByRole('button', { name: 'Turn off' }));
    expect(await screen.findByRole('button', { name: 'Set up two-factor authentication' })).toBeTruthy();
    expect(api.last('DELETE', '/api/auth/mfa')?.body).toEqual({ password: 'a-long-enough-password' });
  });

  it('makes new recovery codes after a code, and shows them once', async () => {
    const api = securityApi(true);
    const { user } = renderApp(api, '/account/security');
    await user.click(await screen.findByRole('button', { name: 'New recovery codes' }));
    const dialog = screen.getByRole('dialog', { name: 'New recovery codes?' });
    await user.click(within(dialog).getByRole('button', { name: 'Use an authentication code instead' }));
    await user.type(within(dialog).getByLabelText('Authentication code'), '123456');
    await user.click(within(dialog).getByRole('button', { name: 'Create new codes' }));
    expect(await screen.findByRole('list', { name: 'Recovery codes' })).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.last('POST', '/api/auth/mfa/recovery-codes')?.body).toEqual({ code: '123456' });
  });
});
