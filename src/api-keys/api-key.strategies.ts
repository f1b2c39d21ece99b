import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY, KEY_PREFIX } from '../access/credentials';
import { Principal } from '../access/principal';
import { KeyAdmission } from './key-admission';

export { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY };

/** `X-API-Key: argus_…`. Any value in this header must be a valid key. */
@Injectable()
export class ApiKeyHeaderStrategy extends PassportStrategy(HeaderAPIKeyStrategy, API_KEY_HEADER_STRATEGY) {
  constructor(private readonly admission: KeyAdmission) {
    super({ header: 'X-API-Key', prefix: '' }, false);
  }

  validate(apiKey: string): Promise<Principal> {
    return this.admission.authenticate(apiKey);
  }
}

/**
 * `Authorization: Bearer argus_…`. A bearer value that is not an Argus key is left for the JWT
 * strategy (returning null fails softly so Passport tries the next strategy).
 */
@Injectable()
export class ApiKeyBearerStrategy extends PassportStrategy(HeaderAPIKeyStrategy, API_KEY_BEARER_STRATEGY) {
  constructor(private readonly admission: KeyAdmission) {
    super({ header: 'Authorization', prefix: 'Bearer ' }, false);
  }

  async validate(token: string): Promise<Principal | null> {
    return token.startsWith(KEY_PREFIX) ? this.admission.authenticate(token) : null;
  }
}
