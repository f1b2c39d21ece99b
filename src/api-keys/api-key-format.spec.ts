import { KEY_LENGTH, displayPrefix, generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key-format';

describe('api key format', () => {
  it('generates 49-character argus_ keys that pass their own checksum', () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    for (const key of keys) {
      expect(key).toMatch(/^argus_[0-9A-Za-z]{43}$/);
      expect(key).toHaveLength(KEY_LENGTH);
      expect(isWellFormedApiKey(key)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('rejects a key with one character changed anywhere', () => {
    const key = generateApiKey();
    for (let i = 6; i < key.length; i++) {
      const replacement = key[i] === 'a' ? 'b' : 'a';
      const typo = key.slice(0, i) + replacement + key.slice(i + 1);
      expect(isWellFormedApiKey(typo)).toBe(false);
    }
  });

  it.each([
    ['empty', ''],
    ['wrong prefix', 'argos_' + 'a'.repeat(43)],
    ['too short', 'argus_abc'],
    ['non-base62 character', 'argus_' + '-'.repeat(43)],
    ['too long', generateApiKey() + 'x'],
  ])('rejects a malformed key (%s)', (_label, key) => {
    expect(isWellFormedApiKey(key)).toBe(false);
  });

  it('hashes with SHA-256 hex and shows an 8-character prefix', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(displayPrefix(key)).toBe(key.slice(0, 8));
    expect(displayPrefix(key).startsWith('argus_')).toBe(true);
  });
});
