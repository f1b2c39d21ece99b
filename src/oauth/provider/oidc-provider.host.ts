import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '../../core/scheduling/periodic-task';
import { createHmac } from 'node:crypto';
import { isUUID } from 'class-validator';
import { AuthConfig, authConfig } from '../../auth/auth.config';
import type { AsymmetricAlgorithm } from '../../auth/signing/jws';
import { SigningKeyStore } from '../../auth/signing/signing-key.store';
import { SigningKeysService } from '../../auth/signing/signing-keys.service';
import { Clock } from '../../core/time/clock';
import { UserRepository } from '../../users/user.repository';
import { matchesClientSecret } from '../applications/client-credentials';
import { OAuthConfig, oauthConfig } from '../oauth.config';
import { OAuthApplicationAccess } from '../tokens/application-access';
import { OAuthTokenAdmission } from '../tokens/oauth-token-admission';
import { OAuthTokenRevocations } from '../tokens/token-revocations';
import { JwtVerifier } from '../../auth/signing/jwt-verifier';
import { structuredTokenMiddleware } from './structured-tokens';
import { clientMetadataOf, grantableScopes } from './client-metadata';
import { OAuthRecordsRepository } from './oauth-records.repository';
import { oidcAdapterClass } from './oidc-adapter';
import { OidcAccount, oidcConfiguration } from './oidc-configuration';

type OidcModule = typeof import('oidc-provider');
/** The oidc-provider instance (its types come from the ESM package, loaded at bootstrap). */
export type OidcProvider = InstanceType<OidcModule['default']>;
/** Configuration another module adds, built from the loaded oidc-provider module. */
export type ConfigurationPart = (module: OidcModule) => Record<string, unknown>;
export type { OidcModule };

/**
 * Owns the oidc-provider instance. It is ESM-only, so it is loaded with `import()` at bootstrap
 * (Node 20.19+ and Jest's VM modules both allow it from this CommonJS build). It is built around
 * the signing key in force; when another key becomes active (rotation, here or on another
 * instance) the next request gets a provider rebuilt with it: its state lives in the database, so
 * nothing is lost. Off when JWT_ALGORITHM is HS256 (no asymmetric key others could verify).
 */
@Injectable()
export class OidcProviderHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OAuth');
  private module?: OidcModule;
  private current?: { kid: string; provider: OidcProvider };
  private readonly parts: ConfigurationPart[] = [];
  /** Expired codes, sessions and grants are skipped on read; this deletes them. */
  private readonly purger = new PeriodicTask<void>(
    async () => void (await this.records.deleteExpired(new Date(this.clock.now()))),
    (error) => this.logger.warn(`Could not purge expired OAuth records: ${error.message}`),
  );

  constructor(
    private readonly store: SigningKeyStore,
    private readonly applications: OAuthApplicationAccess,
    private readonly records: OAuthRecordsRepository,
    private readonly revocations: OAuthTokenRevocations,
    private readonly users: UserRepository,
    private readonly clock: Clock,
    private readonly admission: OAuthTokenAdmission,
    private readonly verifier: JwtVerifier,
    @Inject(oauthConfig.KEY) readonly config: OAuthConfig,
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
    signingKeys: SigningKeysService,
  ) {
    // A retired key stays published until the access tokens it signed have expired too.
    signingKeys.coverTokenLifetime(config.accessTokenTtlSeconds);
  }

  /** Whether Argus is an authorization server in this configuration (not with HS256). */
  get enabled(): boolean {
    return this.auth.jwt.algorithm !== 'HS256';
  }

  /**
   * Adds configuration (merged over the base) before bootstrap: the interaction pages' policy,
   * registration's. A part is built from the loaded library, whose helpers (interaction policy,
   * errors) exist only once it is imported.
   */
  configure(part: ConfigurationPart): void {
    this.parts.push(part);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    this.module = await import('oidc-provider');
    await this.provider();
    this.purger.start(10 * 60_000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.purger.stop();
  }

  /** The provider for the signing key in force (rebuilt when it changed); undefined when off or no key is loaded. */
  provider(): Promise<OidcProvider | undefined> {
    if (!this.module) return Promise.resolve(undefined);
    const key = this.store.active(this.auth.jwt.algorithm as AsymmetricAlgorithm);
    if (!key?.privateKey || this.current?.kid === key.kid) return Promise.resolve(this.current?.provider);
    return Promise.resolve(this.build());
  }

  private build(): OidcProvider | undefined {
    const module = this.module!;
    const key = this.store.active(this.auth.jwt.algorithm as AsymmetricAlgorithm);
    if (!key?.privateKey) return this.current?.provider;
    const jwk = { ...key.privateKey.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' };
    const configuration = oidcConfiguration({
      config: this.config,
      signingJwk: jwk,
      alg: key.alg,
      adapter: oidcAdapterClass({
        records: this.records,
        revocations: this.revocations,
        clock: this.clock,
        accessTokenTtlSeconds: this.config.accessTokenTtlSeconds,
        findClient: async (clientId) => {
          const application = await this.applications.get(clientId);
          return application ? clientMetadataOf(application) : undefined;
        },
      }),
      cookieKeys: [createHmac('sha256', this.auth.jwt.secret).update('argus-oidc-cookies').digest('base64url')],
      findAccount: (sub) => this.findAccount(sub),
      resourceScopes: async (clientId) => grantableScopes((await this.applications.get(clientId))?.scopes ?? []).join(' '),
      parts: this.parts.map((part) => part(module)),
      errors: module.errors,
    });
    const provider = new module.default(this.config.publicUrl, configuration);
    // Behind the mount, the request's host and scheme are rewritten to ARGUS_PUBLIC_URL's (provider-mount.ts).
    provider.proxy = true;
    const applications = this.applications;
    const clock = this.clock;
    // Secrets are stored as SHA-256: compare the presented one against the current and the rotated-out one.
    provider.Client.prototype.compareClientSecret = async function (this: { clientId: string }, actual: string) {
      const application = await applications.get(this.clientId);
      return !!application && !application.revokedAt && matchesClientSecret(application, actual, new Date(clock.now()));
    };
    provider.use(
      structuredTokenMiddleware({
        admission: this.admission,
        verifier: this.verifier,
        revocations: this.revocations,
        issuer: this.config.publicUrl,
      }) as never,
    );
    provider.on('server_error', (_ctx: unknown, error: Error) => this.logger.error(`OAuth server error: ${error.message}`));
    if (this.current) this.logger.log(`OAuth provider now signs with key ${key.kid}`);
    this.current = { kid: key.kid, provider };
    return provider;
  }

  private async findAccount(sub: string): Promise<OidcAccount | undefined> {
    if (!isUUID(sub)) return undefined;
    const user = await this.users.getActive(sub);
    if (!user) return undefined;
    return {
      accountId: user.id,
      claims: () => ({
        sub: user.id,
        email: user.email,
        email_verified: false,
        name: user.name ?? undefined,
        updated_at: Math.floor(user.updatedAt.getTime() / 1000),
      }),
    };
  }
}
