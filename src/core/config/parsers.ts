import { isIpOrCidr } from '../validation/is-ip-or-cidr.decorator';
import { parseDuration } from './duration';

/** `limit` requests per `windowSeconds`. */
export interface RateSetting {
  limit: number;
  windowSeconds: number;
}

/** `100` (per minute), or `100/1m`, `5/1s`, `10000/1d`; undefined when it is not one of those. */
export function parseRate(raw: string): RateSetting | undefined {
  const match = /^(\d+)(?:\/(\w+))?$/.exec(raw.trim());
  if (!match) return undefined;
  const limit = Number(match[1]);
  const windowSeconds = parseDuration(match[2] ?? '1m');
  if (windowSeconds === undefined || limit < 1 || windowSeconds < 1 || windowSeconds > 31 * 86_400) return undefined;
  return { limit, windowSeconds };
}

/** Which proxies' `X-Forwarded-For` to believe, in the form Fastify's `trustProxy` takes. */
export type TrustProxy = boolean | number | string[];

const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** `true`, `false`, a hop count, or a list of IPs, CIDRs and named ranges; `invalid` lists the entries that are none of those. */
export function parseTrustProxy(raw: string | undefined): { value: TrustProxy; invalid: string[] } {
  if (raw === undefined || raw === '' || raw === 'false') return { value: false, invalid: [] };
  if (raw === 'true') return { value: true, invalid: [] };
  if (/^\d+$/.test(raw)) return { value: Number(raw), invalid: [] };
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { value: entries, invalid: entries.filter((e) => !isIpOrCidr(e) && !PROXY_RANGES.includes(e)) };
}
