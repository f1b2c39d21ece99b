import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../access/auth.decorators';
import type { PublicJwk } from './jws';
import { SigningKeyStore } from './signing-key.store';

/** Relying parties cache the set this long; jose and other clients fetch it again on an unknown `kid`. */
export const JWKS_MAX_AGE_SECONDS = 300;

/**
 * `GET /oauth/jwks` (RFC 7517): the public signing keys, for any service to verify Argus's JWTs
 * offline. A protocol endpoint outside the JSON API (no envelope, not under /api, not in /docs;
 * OpenID discovery will name it), public by nature. Empty with JWT_ALGORITHM=HS256.
 */
@ApiExcludeController()
@Controller('oauth')
export class JwksController {
  constructor(private readonly store: SigningKeyStore) {}

  @Public()
  @Get('jwks')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.store.published().map((key) => key.publicJwk) };
  }
}
