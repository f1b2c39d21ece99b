import { defineConfig } from '../core/config/define-config';
import type { CoreConfig } from '../core/config/core.config';

/**
 * OAuth settings. Only `publicUrl` here (the credential helper's stand-in): the provider helper's
 * version of this file adds the token lifetimes and dynamic registration.
 */
export interface OAuthConfig {
  /** ARGUS_PUBLIC_URL: the externally visible base URL, no trailing slash; the issuer and the access tokens' audience. */
  publicUrl: string;
}

export const oauthConfig = defineConfig('oauth', (reader, core: CoreConfig): OAuthConfig => {
  const raw = reader.string('ARGUS_PUBLIC_URL', `http://localhost:${core.port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(raw)) reader.problem('ARGUS_PUBLIC_URL must be an http(s) URL');
  return { publicUrl: raw };
});
