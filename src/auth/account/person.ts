import { forbidden } from '../../core/errors/app.exception';
import type { Principal } from '../../access/principal';

/**
 * The account routes act for the person, not for an integration: a JWT or a browser session may
 * change the password, the profile, export or delete the account; an API key (whatever its
 * scopes) gets 403, so a leaked key can neither take the account over nor erase it.
 */
export function assertPerson(caller: Principal): void {
  if (caller.method === 'api_key') throw forbidden('An API key cannot do this; sign in (a JWT or a browser session)');
}

export const PERSON_ONLY_NOTE = 'A JWT or a browser session only: an API key gets 403 forbidden, whatever its scopes.';
