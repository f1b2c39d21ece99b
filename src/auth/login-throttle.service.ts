import { createHmac } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../core/time/clock';
import { RateLimitConfig, rateLimitConfig } from '../rate-limit/rate-limit.config';
import { AuthConfig, authConfig } from './auth.config';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { DeviceTokenSigner, IssuedDeviceToken, deriveKey } from './device-token';
import { KnownLoginAddressRepository } from './known-login-address.repository';

/** Who is trying to log in, as far as the limits care: the client address and any device tokens it sent. */
export interface LoginClient {
  ip: string;
  deviceTokens: string[];
}

/** Stands in for "no account" so an unknown email costs the same checks as a known one. */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/**
 * Login limits that slow guessing without letting an attacker lock the owner out (OWASP "Slow Down
 * Online Guessing Attacks with Device Cookies"). A client the account trusts, by a device token
 * from an earlier successful login or by logging in from an address that succeeded before, spends
 * its own small budget. Every other client shares the per-account limit, which an attacker can
 * spend, and its address's login limit. A trusted budget that is spent falls back to those.
 */
@Injectable()
export class LoginThrottleService {
  private readonly logger = new Logger(LoginThrottleService.name);
  private readonly devices: DeviceTokenSigner;
  private readonly addressKey: Buffer;
  private readonly accountKey: Buffer;

  constructor(
    @Inject(authConfig.KEY) auth: AuthConfig,
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
    private readonly limits: RateLimitService,
    private readonly addresses: KnownLoginAddressRepository,
    private readonly clock: Clock,
  ) {
    this.devices = new DeviceTokenSigner(auth.jwt.secret, config.loginDeviceTtlSeconds);
    this.addressKey = deriveKey(auth.jwt.secret, 'known login address v1');
    this.accountKey = deriveKey(auth.jwt.secret, 'login account v1');
  }

  /** Spends one attempt of the budget this client is entitled to; `429` once every budget it may use is spent. */
  async admit(email: string, userId: string | null, client: LoginClient): Promise<void> {
    if (!this.limits.enabled) return;
    const now = this.clock.now();
    const account = userId ?? NO_ACCOUNT;
    const trusted = this.limits.policy('login-trusted', this.config.loginTrusted, 'sliding');

    const nonce = client.deviceTokens.map((token) => this.devices.verify(token, account, now)).find((found) => found !== null);
    if (nonce && (await this.limits.consume(`login-device:${nonce}`, trusted)).allowed) return;

    const addressHash = this.addressHash(client.ip);
    const known = await this.addresses.isKnown(account, addressHash, new Date(now - this.ttlMs));
    if (known && (await this.limits.consume(`login-known:${account}:${addressHash}`, trusted)).allowed) return;

    // Untrusted: the address first, so an address already over its limit spends nothing of the account's.
    await this.limits.enforce(`login-ip:ip:${client.ip}`, this.limits.policy('login-ip', this.config.loginPerAddress, 'sliding'));
    // Keyed by a keyed hash: what was typed as an email never lands in the rate-limit store as such.
    await this.limits.enforce(`login:${this.accountHash(email)}`, this.limits.policy('login', this.config.loginPerAccount, 'sliding'));
  }

  /**
   * After a successful login: a fresh device token for the client, and its address remembered as
   * known for the account. Remembering is best effort (the login has already succeeded).
   */
  async trust(userId: string, ip: string): Promise<IssuedDeviceToken> {
    const now = this.clock.now();
    try {
      await this.addresses.remember(userId, this.addressHash(ip), new Date(now));
      await this.addresses.forgetOlderThan(userId, new Date(now - this.ttlMs));
    } catch (error) {
      this.logger.warn({ userId, error: (error as Error).message }, 'Could not remember the login address');
    }
    return this.devices.issue(userId, now);
  }

  private get ttlMs(): number {
    return this.config.loginDeviceTtlSeconds * 1000;
  }

  private addressHash(ip: string): string {
    return createHmac('sha256', this.addressKey).update(ip).digest('hex');
  }

  private accountHash(email: string): string {
    return createHmac('sha256', this.accountKey).update(email).digest('base64url');
  }
}
