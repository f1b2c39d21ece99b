import { defineConfig } from '../core/config/define-config';

/** Key schedules, the unknown-key cache, lastUsedAt writes and rotation grace (the key cache's size is core's `cache`). */
export interface ApiKeysConfig {
  /** How often the schedulers look for keys that expire soon, and for rotations and their notices that are due. */
  schedulerIntervalMs: number;
  negativeCacheTtlSeconds: number;
  lastUsedFlushSeconds: number;
  /** How long a rotated key keeps working by default, and at most. */
  rotationGraceSeconds: number;
  rotationMaxGraceSeconds: number;
  /** `key.expiring` is announced this many days before a key's expiresAt. */
  expiringNoticeDays: number;
}

export const apiKeysConfig = defineConfig('api-keys', (reader): ApiKeysConfig => {
  const config: ApiKeysConfig = {
    schedulerIntervalMs: reader.integer('SCHEDULER_INTERVAL_MS', 60_000, 100, 3_600_000),
    negativeCacheTtlSeconds: reader.integer('API_KEY_NEGATIVE_CACHE_TTL_SECONDS', 30, 0, 3600),
    lastUsedFlushSeconds: reader.integer('API_KEY_LAST_USED_FLUSH_SECONDS', 30, 1, 300),
    rotationGraceSeconds: reader.duration('KEY_ROTATION_GRACE', '1d', 0, 90 * 86_400),
    rotationMaxGraceSeconds: reader.duration('KEY_ROTATION_MAX_GRACE', '7d', 0, 90 * 86_400),
    expiringNoticeDays: reader.integer('KEY_EXPIRING_NOTICE_DAYS', 7, 1, 365),
  };
  if (config.rotationGraceSeconds > config.rotationMaxGraceSeconds) {
    reader.problem('KEY_ROTATION_GRACE: must not exceed KEY_ROTATION_MAX_GRACE');
  }
  return config;
});
