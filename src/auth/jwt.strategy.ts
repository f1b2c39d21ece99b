import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt } from 'passport-jwt';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Principal } from '../access/principal';
import { ROLE_SCOPES } from '../access/scopes';
import { UserAccessService } from '../users/user-access.service';
import { JWT_STRATEGY } from '../access/credentials';
import { JwtVerifier } from './signing/jwt-verifier';

export { JWT_STRATEGY };

export interface AccessTokenPayload {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

type Verified = (error: unknown, user?: Principal | false) => void;

/** What Passport adds to a strategy object when it runs it. */
interface PassportActions {
  success(user: Principal): void;
  fail(challenge: unknown, status?: number): void;
  error(error: unknown): void;
}

/**
 * The bearer token, extracted as passport-jwt does, handed to `verify` (the strategy's `validate`).
 * passport-jwt's own verification is jsonwebtoken's, which has no EdDSA: Argus verifies itself
 * (JwtVerifier), and this is the Passport end of it.
 */
class BearerJwtStrategy {
  constructor(private readonly verify: (token: string, done: Verified) => void) {}

  authenticate(this: BearerJwtStrategy & PassportActions, request: FastifyRequest): void {
    const token = bearerToken(request);
    if (!token) return this.fail(new Error('No auth token'));
    this.verify(token, (error, user) => (error ? this.error(error) : user ? this.success(user) : this.fail(new Error('invalid token'))));
  }
}

@Injectable()
export class JwtStrategy extends PassportStrategy(BearerJwtStrategy, JWT_STRATEGY) {
  constructor(
    private readonly verifier: JwtVerifier,
    private readonly userAccess: UserAccessService,
  ) {
    super();
  }

  /** Signature and claims (JwtVerifier, cached per token), then the user, read on every request. */
  async validate(token: string): Promise<Principal> {
    const payload: Partial<AccessTokenPayload> = await this.verifier.verify(token);
    if (
      typeof payload.exp !== 'number' ||
      typeof payload.iat !== 'number' ||
      typeof payload.jti !== 'string' ||
      !UUID.test(payload.sub ?? '')
    ) {
      throw unauthorized(ErrorCode.InvalidToken, 'Invalid access token');
    }
    const user = await this.userAccess.get(payload.sub as string);
    if (!user) throw unauthorized(ErrorCode.InvalidToken, 'Invalid access token');
    if (!user.isActive) throw unauthorized(ErrorCode.Unauthorized, 'This account is deactivated');
    // `iat` has whole seconds: a token from the second of the change itself stays valid, so the
    // login that follows a change is never refused.
    if (user.passwordChangedAt != null && payload.iat < Math.floor(user.passwordChangedAt / 1000)) {
      throw unauthorized(ErrorCode.InvalidToken, 'The password changed after this access token was issued; log in again');
    }
    return {
      method: 'jwt',
      userId: payload.sub as string,
      role: user.role,
      scopes: [...ROLE_SCOPES[user.role]],
      organizationId: null,
      projectId: null,
      expiresAt: new Date(payload.exp * 1000),
    };
  }
}
