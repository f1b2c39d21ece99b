import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY, KEY_PREFIX } from '../access/credentials';
import { Principal } from '../access/principal';
import { KeyAdmission } from './key-admission';

export { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY };

type Verified = (error: Error | null, user?: object) => void;

/**
 * passport-headerapikey with the request handed on (a key bound to a client certificate needs the
 * TLS peer). The library passes the request after its callback, where Nest's mixin expects the
 * callback last: this puts it before.
 */
class HeaderKeyWithRequestStrategy extends HeaderAPIKeyStrategy {
  constructor(header: { header: string; prefix: string }, verify: (key: string, request: FastifyRequest, done: Verified) => void) {
    // The library types its request as Express's; under Nest's Fastify adapter it is Fastify's.
    super(header, true, (key, done, request) => verify(key, request as unknown as FastifyRequest, done));
  }
}

/** `X-API-Key: argus_…`. Any value in this header must be a valid key. */
@Injectable()
export class ApiKeyHeaderStrategy extends PassportStrategy(HeaderKeyWithRequestStrategy, API_KEY_HEADER_STRATEGY) {
  constructor(private readonly admission: KeyAdmission) {
    super({ header: 'X-API-Key', prefix: '' });
  }

  validate(apiKey: string, request: FastifyRequest): Promise<Principal> {
    return this.admission.authenticate(apiKey, request);
  }
}

/**
 * `Authorization: Bearer argus_…`. A bearer value that is not an Argus key is left for the JWT
 * strategy (returning null fails softly so Passport tries the next strategy).
 */
@Injectable()
export class ApiKeyBearerStrategy extends PassportStrategy(HeaderKeyWithRequestStrategy, API_KEY_BEARER_STRATEGY) {
  constructor(private readonly admission: KeyAdmission) {
    super({ header: 'Authorization', prefix: 'Bearer ' });
  }

  async validate(token: string, request: FastifyRequest): Promise<Principal | null> {
    return token.startsWith(KEY_PREFIX) ? this.admission.authenticate(token, request) : null;
  }
}
