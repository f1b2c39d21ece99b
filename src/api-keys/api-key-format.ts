import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Key format (SPEC §5): `argus_` + 37 random base62 characters + a 6-character base62 CRC32 of
 * everything before it, 49 characters in all. The checksum lets the server (and secret scanners)
 * reject a mistyped or forged key without touching the database.
 */
import { KEY_PREFIX } from '../access/credentials';

export { KEY_PREFIX };
export const KEY_RANDOM_LENGTH = 37;
export const KEY_CHECKSUM_LENGTH = 6;
export const KEY_LENGTH = KEY_PREFIX.length + KEY_RANDOM_LENGTH + KEY_CHECKSUM_LENGTH;
export const KEY_DISPLAY_PREFIX_LENGTH = 8;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${KEY_RANDOM_LENGTH + KEY_CHECKSUM_LENGTH}}$`);
// Largest multiple of 62 below 256: bytes at or above it are discarded so every character is equally likely.
const UNBIASED_LIMIT = 248;

export function generateApiKey(): string {
  let random = '';
  while (random.length < KEY_RANDOM_LENGTH) {
    for (const byte of randomBytes(64)) {
      if (byte < UNBIASED_LIMIT) random += BASE62[byte % 62];
      if (random.length === KEY_RANDOM_LENGTH) break;
    }
  }
  const body = KEY_PREFIX + random;
  return body + checksum(body);
}

/** Shape and checksum only: true means "worth a look-up", never "valid". */
export function isWellFormedApiKey(key: string): boolean {
  if (key.length !== KEY_LENGTH || !KEY_PATTERN.test(key)) return false;
  const body = key.slice(0, KEY_LENGTH - KEY_CHECKSUM_LENGTH);
  return key.slice(KEY_LENGTH - KEY_CHECKSUM_LENGTH) === checksum(body);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function displayPrefix(key: string): string {
  return key.slice(0, KEY_DISPLAY_PREFIX_LENGTH);
}

function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < KEY_CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}
