import type { ValueProvider } from '@nestjs/common';
import { ApiKeysConfig, apiKeysConfig } from './api-keys/api-keys.config';
import { AuthConfig, authConfig } from './auth/auth.config';
import { CoreConfig, coreConfig } from './core/config/core.config';
import { Env, EnvReader } from './core/config/env-reader';
import { OAuthConfig, oauthConfig } from './oauth/oauth.config';
import { RateLimitConfig, rateLimitConfig } from './rate-limit/rate-limit.config';
import { WebhooksConfig, webhooksConfig } from './webhooks/webhooks.config';

/** Every slice together: core's and auth's settings at the top, the others under their module's name. */
export type AppConfig = CoreConfig &
  AuthConfig & {
    rateLimit: RateLimitConfig;
    webhooks: WebhooksConfig;
    apiKeys: ApiKeysConfig;
    oauth: OAuthConfig;
  };

/**
 * Reads and validates the whole configuration once, at start-up. Every problem of every slice is
 * collected so an operator fixes them in one go; the process refuses to start while any remains.
 * Reads `env` only: the generated JWT secret is the start-up step `ensureJwtSecret`.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const reader = new EnvReader(env);
  const core = coreConfig.read(reader);
  const config: AppConfig = {
    ...core,
    ...authConfig.read(reader, core),
    rateLimit: rateLimitConfig.read(reader),
    webhooks: webhooksConfig.read(reader),
    apiKeys: apiKeysConfig.read(reader),
    oauth: oauthConfig.read(reader, core),
  };
  reader.assertValid();
  return config;
}

/** Each slice under its own token. Core and auth sit at the top of AppConfig, so the whole is their value. */
export function configProviders(config: AppConfig): ValueProvider[] {
  return [
    coreConfig.provide(config),
    authConfig.provide(config),
    rateLimitConfig.provide(config.rateLimit),
    webhooksConfig.provide(config.webhooks),
    apiKeysConfig.provide(config.apiKeys),
    oauthConfig.provide(config.oauth),
  ];
}
