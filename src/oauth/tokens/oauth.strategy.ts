import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { OAUTH_STRATEGY } from '../../access/credentials';
import { Principal } from '../../access/principal';
import { OAuthTokenAdmission } from './oauth-token-admission';

export { OAUTH_STRATEGY };

type Verified = (error: unknown, user?: Principal | false) => void;

/** What Passport adds to a strategy object when it runs it. */
interface PassportActions {
  success(user: Principal): void;
  fail(challenge: unknown, status?: number): void;
  error(error: unknown): void;
}

/** The bearer token and the request (a certificate-bound token needs the TLS peer) handed to `validate`. */
class BearerAccessTokenStrategy {
  constructor(private readonly verify: (token: string, request: FastifyRequest, done: Verified) => void) {}

  authenticate(this: BearerAccessTokenStrategy & PassportActions, request: FastifyRequest): void {
    const match = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '');
    if (!match) return this.fail(new Error('No auth token'));
    this.verify(match[1], request, (error, user) =>
      error ? this.error(error) : user ? this.success(user) : this.fail(new Error('invalid token')),
    );
  }
}

/**
 * `Authorization: Bearer <JWT with typ at+jwt>`: an OAuth access token Argus issued. The global
 * guard sends a bearer JWT here when its protected header says `at+jwt`; OAuthTokenAdmission decides.
 */
@Injectable()
export class OAuthStrategy extends PassportStrategy(BearerAccessTokenStrategy, OAUTH_STRATEGY) {
  constructor(private readonly admission: OAuthTokenAdmission) {
    super();
  }

  validate(token: string, request: FastifyRequest): Promise<Principal> {
    return this.admission.authenticate(token, request);
  }
}
