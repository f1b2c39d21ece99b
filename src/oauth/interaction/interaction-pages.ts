import { escapeHtml, htmlPage } from '../provider/pages';

/** What a consent page shows of the application asking. */
export interface ConsentView {
  uid: string;
  csrf: string;
  applicationName: string;
  clientId: string;
  scopes: string[];
}

const SCOPE_LABELS: Record<string, string> = {
  openid: 'Know who you are (your Argus user id)',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay connected when you are away (refresh tokens)',
};

const ACTIONS: Record<string, string> = { read: 'Read', write: 'Create and change', delete: 'Delete', execute: 'Use', admin: 'Administer' };

/** A scope as a person reads it: `write:keys` → "Create and change your keys". */
export function scopeLabel(scope: string): string {
  if (SCOPE_LABELS[scope]) return SCOPE_LABELS[scope];
  if (scope === 'admin:all') return 'Everything your account may do';
  const [action, resource] = scope.split(':');
  const verb = ACTIONS[action] ?? action;
  return resource === '*' ? `${verb} everything you own` : `${verb} your ${resource}`;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

export function loginPage(uid: string, csrf: string, options: { email?: string; error?: string; applicationName: string }): string {
  return htmlPage(
    'Sign in to Argus',
    `<p>${escapeHtml(options.applicationName)} asks you to sign in with your Argus account.</p>
${options.error ? `<p role="alert">${escapeHtml(options.error)}</p>` : ''}
<form method="post" action="/oauth/interaction/${escapeHtml(uid)}/login">
${hidden('csrf', csrf)}
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email)}"></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
${abortForm(uid, csrf)}`,
  );
}

export function mfaPage(uid: string, csrf: string, mfaToken: string, error?: string): string {
  return htmlPage(
    'Two-factor authentication',
    `<p>Enter the 6-digit code from your authenticator app, or a recovery code.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/oauth/interaction/${escapeHtml(uid)}/mfa">
${hidden('csrf', csrf)}${hidden('mfaToken', mfaToken)}
<p><label for="code">Code</label><br><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required></p>
<p><button type="submit">Verify</button></p>
</form>
${abortForm(uid, csrf)}`,
  );
}

export function consentPage(view: ConsentView): string {
  const items = view.scopes.map((scope) => `<li>${escapeHtml(scopeLabel(scope))} <code>${escapeHtml(scope)}</code></li>`).join('\n');
  return htmlPage(
    'Authorize access',
    `<p><strong>${escapeHtml(view.applicationName)}</strong> (<code>${escapeHtml(view.clientId)}</code>) asks to:</p>
<ul>
${items}
</ul>
<form method="post" action="/oauth/interaction/${escapeHtml(view.uid)}/confirm">
${hidden('csrf', view.csrf)}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

function abortForm(uid: string, csrf: string): string {
  return `<form method="post" action="/oauth/interaction/${escapeHtml(uid)}/confirm">${hidden('csrf', csrf)}<button type="submit" name="decision" value="deny">Cancel</button></form>`;
}
