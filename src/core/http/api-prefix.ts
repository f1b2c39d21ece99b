import { RequestMethod } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';

export const API_PREFIX = 'api';

/**
 * Protocol endpoints the standards place outside the JSON API: served without the /api prefix
 * (and so without the JSON envelope, which is added to /api/ routes only).
 */
export const PROTOCOL_ROUTES: RouteInfo[] = [
  { path: 'oauth/jwks', method: RequestMethod.GET },
  { path: 'oauth/interaction/:uid', method: RequestMethod.GET },
  { path: 'oauth/interaction/:uid/login', method: RequestMethod.POST },
  { path: 'oauth/interaction/:uid/mfa', method: RequestMethod.POST },
  { path: 'oauth/interaction/:uid/confirm', method: RequestMethod.POST },
  { path: 'oauth/register', method: RequestMethod.POST },
];

/** The global prefix, as the app and the controller specs set it. */
export function apiPrefix(): [string, { exclude: RouteInfo[] }] {
  return [API_PREFIX, { exclude: PROTOCOL_ROUTES }];
}
