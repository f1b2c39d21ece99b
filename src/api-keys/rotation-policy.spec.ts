import { AppException } from '../core/errors/app.exception';
import { loadConfig } from '../app.config';
import { nextRotation, resolveGrace, resolveRotationPolicy, samePolicy } from './rotation-policy';

const { apiKeys } = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 's'.repeat(48), KEY_ROTATION_GRACE: '1h', KEY_ROTATION_MAX_GRACE: '1d' });

describe('rotation policies', () => {
  it('resolves the defaults: the configured grace, and a notice a week ahead or the day before', () => {
    expect(resolveRotationPolicy({ everyDays: 90 }, apiKeys)).toEqual({ everyDays: 90, gracePeriodSeconds: 3600, notifyDaysBefore: 7 });
    expect(resolveRotationPolicy({ everyDays: 5 }, apiKeys).notifyDaysBefore).toBe(4);
    expect(resolveRotationPolicy({ everyDays: 1 }, apiKeys).notifyDaysBefore).toBe(0);
    expect(resolveRotationPolicy({ everyDays: 30, gracePeriodSeconds: 0, notifyDaysBefore: 29 }, apiKeys)).toEqual({
      everyDays: 30,
      gracePeriodSeconds: 0,
      notifyDaysBefore: 29,
    });
  });

  it('refuses a grace above the configured maximum with 400 naming the nested field', () => {
    let error: unknown;
    try {
      resolveRotationPolicy({ everyDays: 30, gracePeriodSeconds: 86_401 }, apiKeys);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).details).toEqual([
      { field: 'rotationPolicy.gracePeriodSeconds', messages: ['gracePeriodSeconds must not exceed 86400'] },
    ]);
    expect(resolveGrace(86_400, apiKeys, 'gracePeriodSeconds')).toBe(86_400);
    expect(resolveGrace(undefined, apiKeys, 'gracePeriodSeconds')).toBe(3600);
  });

  it('counts the next rotation in whole days from the given time', () => {
    const from = Date.parse('2026-01-31T10:00:00.000Z');
    expect(nextRotation({ everyDays: 30, gracePeriodSeconds: 0, notifyDaysBefore: 7 }, from)).toEqual(new Date('2026-03-02T10:00:00.000Z'));
    expect(nextRotation(null, from)).toBeNull();
  });

  it('compares policies by value', () => {
    const policy = { everyDays: 30, gracePeriodSeconds: 60, notifyDaysBefore: 7 };
    expect(samePolicy(policy, { ...policy })).toBe(true);
    expect(samePolicy(policy, { ...policy, notifyDaysBefore: 6 })).toBe(false);
    expect(samePolicy(policy, null)).toBe(false);
    expect(samePolicy(null, null)).toBe(true);
  });
});
