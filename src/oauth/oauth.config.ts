import { defineConfig } from '../core/config/define-config';
import type { CoreConfig } from '../core/config/core.config';

/** The authorization server's settings (README "OAuth 2.0 and OpenID Connect"). */
export interface OAuthConfig {
  /** ARGUS_PUBLIC_URL: the externally visible base URL, no trailing slash; the issuer and the access tokens' audience. */
  publicUrl: string;
  /** OAUTH_ACCESS_TOKEN_TTL: how long an access token (and an ID token) lives. */
  accessTokenTtlSeconds: number;
  /** OAUTH_REFRESH_TOKEN_TTL: how long a refresh token lives (each use rotates it). */
  refreshTokenTtlSeconds: number;
  /** OAUTH_DYNAMIC_REGISTRATION: whether POST /oauth/register (RFC 7591, with an Argus credential) is open. */
  dynamicRegistration: boolean;
}

export const oauthConfig = defineConfig('oauth', (reader, core: CoreConfig): OAuthConfig => {
  // Argus's own TLS listener serves https, so that is the scheme of the default too.
  const scheme = core.tls.server ? 'https' : 'http';
  const raw = reader.string('ARGUS_PUBLIC_URL', `${scheme}://localhost:${core.port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(raw)) reader.problem('ARGUS_PUBLIC_URL: must be an http(s) URL');
  return {
    publicUrl: raw,
    accessTokenTtlSeconds: reader.duration('OAUTH_ACCESS_TOKEN_TTL', '1h', 60, 86_400),
    refreshTokenTtlSeconds: reader.duration('OAUTH_REFRESH_TOKEN_TTL', '30d', 300, 365 * 86_400),
    dynamicRegistration: reader.boolean('OAUTH_DYNAMIC_REGISTRATION', false),
  };
});
