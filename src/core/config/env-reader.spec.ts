import { ConfigError } from './config-error';
import { defineConfig } from './define-config';
import { EnvReader } from './env-reader';
import { parseRate, parseTrustProxy } from './parsers';

describe('EnvReader', () => {
  it('collects the problems of several slices and throws them together', () => {
    const first = defineConfig('first', (reader) => ({ port: reader.integer('PORT', 3000, 0, 65535) }));
    const second = defineConfig('second', (reader, base: { port: number }) => ({ doubled: base.port * 2, on: reader.boolean('ON', true) }));
    const reader = new EnvReader({ PORT: 'abc', ON: 'maybe' });

    const base = first.read(reader);
    expect(base.port).toBe(3000);
    expect(second.read(reader, base)).toEqual({ doubled: 6000, on: true });

    let error: unknown;
    try {
      reader.assertValid();
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT: must be an integer between 0 and 65535 (got "abc")',
      'ON: must be true or false (got "maybe")',
    ]);
  });

  it('passes when nothing is wrong', () => {
    const reader = new EnvReader({ PORT: ' 8080 ' });
    expect(reader.integer('PORT', 3000, 0, 65535)).toBe(8080);
    expect(() => reader.assertValid()).not.toThrow();
  });
});

describe('defineConfig', () => {
  it('gives each slice its own token and provider', () => {
    const a = defineConfig('a', () => ({ value: 1 }));
    const b = defineConfig('b', () => ({ value: 1 }));
    expect(a.KEY).not.toBe(b.KEY);
    expect(a.provide({ value: 2 })).toEqual({ provide: a.KEY, useValue: { value: 2 } });
  });
});

describe('parsers', () => {
  it.each([
    ['100', { limit: 100, windowSeconds: 60 }],
    ['5/1s', { limit: 5, windowSeconds: 1 }],
    ['0/1m', undefined],
    ['lots', undefined],
  ])('parseRate(%p)', (raw, expected) => {
    expect(parseRate(raw)).toEqual(expected);
  });

  it('parseTrustProxy names only the bad entries', () => {
    expect(parseTrustProxy('127.0.0.1,proxy.internal,loopback')).toEqual({
      value: ['127.0.0.1', 'proxy.internal', 'loopback'],
      invalid: ['proxy.internal'],
    });
    expect(parseTrustProxy(undefined)).toEqual({ value: false, invalid: [] });
  });
});
