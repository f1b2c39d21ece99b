import { KeyObject, createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { AuthConfig, authConfig } from './auth.config';
import { Principal } from '../access/principal';
import { ROLE_SCOPES } from '../access/scopes';
import { UserAccessService } from '../users/user-access.service';
import { JWT_STRATEGY } from '../access/credentials';

export { JWT_STRATEGY };
export const JWT_ALGORITHM = 'HS256';

const signingKeys = new Map<string, KeyObject>();

/** The HMAC key for `secret`, created once per secret. */
export function jwtSigningKey(secret: string): KeyObject {
  let key = signingKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    signingKeys.set(secret, key);
  }
  return key;
}

export interface AccessTokenPayload {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @Inject(authConfig.KEY) config: AuthConfig,
    private readonly userAccess: UserAccessService,
  ) {
    // algorithms, issuer and audience must sit at the top level: inside jsonWebTokenOptions
    // passport-jwt silently drops them.
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, built once: given a string, jsonwebtoken first tries (and fails) to parse it
      // as a public key on every verification, which measured as half the CPU of a JWT request.
      secretOrKey: jwtSigningKey(config.jwt.secret) as unknown as Buffer, // typed string/Buffer; jsonwebtoken takes KeyObjects
      algorithms: [JWT_ALGORITHM],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  async validate(payload: Partial<AccessTokenPayload>): Promise<Principal> {
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
