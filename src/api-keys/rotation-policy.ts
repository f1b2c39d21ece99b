import { validationFailed } from '../core/errors/app.exception';
import { ApiKeysConfig } from './api-keys.config';
import { RotationPolicyDto } from './dto/rotation-policy.dto';
import { RotationPolicySetting } from './entities/api-key.entity';

const DAY_MS = 86_400_000;
const DEFAULT_NOTICE_DAYS = 7;

/** A grace period as asked for, or the configured default; more than the configured maximum is a 400 naming `field`. */
export function resolveGrace(requested: number | undefined, config: ApiKeysConfig, field: string): number {
  const grace = requested ?? config.rotationGraceSeconds;
  if (grace > config.rotationMaxGraceSeconds) {
    throw validationFailed([{ field, messages: [`${field.split('.').pop()} must not exceed ${config.rotationMaxGraceSeconds}`] }]);
  }
  return grace;
}

/** The policy to store: defaults resolved now, so a later change of configuration does not alter it. */
export function resolveRotationPolicy(dto: RotationPolicyDto, config: ApiKeysConfig): RotationPolicySetting {
  return {
    everyDays: dto.everyDays,
    gracePeriodSeconds: resolveGrace(dto.gracePeriodSeconds, config, 'rotationPolicy.gracePeriodSeconds'),
    notifyDaysBefore: dto.notifyDaysBefore ?? Math.min(DEFAULT_NOTICE_DAYS, dto.everyDays - 1),
  };
}

/** When a key under `policy` is rotated next, counting from `from` (its creation, the policy's setting, or its predecessor's rotation). */
export function nextRotation(policy: RotationPolicySetting | null, from: number): Date | null {
  return policy ? new Date(from + policy.everyDays * DAY_MS) : null;
}

export function samePolicy(a: RotationPolicySetting | null, b: RotationPolicySetting | null): boolean {
  if (!a || !b) return a === b;
  return a.everyDays === b.everyDays && a.gracePeriodSeconds === b.gracePeriodSeconds && a.notifyDaysBefore === b.notifyDaysBefore;
}
