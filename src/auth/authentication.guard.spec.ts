import { isOAuthAccessToken } from './authentication.guard';

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('isOAuthAccessToken (which bearer JWTs go to the oauth strategy)', () => {
  it.each([
    [`${segment({ alg: 'ES256', kid: 'k', typ: 'at+jwt' })}.e30.sig`, true],
    [`${segment({ alg: 'ES256', typ: 'AT+JWT' })}.e30.sig`, true],
    [`${segment({ alg: 'ES256', typ: 'JWT' })}.e30.sig`, false],
    [`${segment({ alg: 'ES256' })}.e30.sig`, false],
    [`${segment({ alg: 'ES256', typ: ['at+jwt'] })}.e30.sig`, false],
    [`${segment('at+jwt')}.e30.sig`, false],
    ['not-base64-json.e30.sig', false],
    ['no-dots-at-all', false],
    [`${'A'.repeat(2000)}.e30.sig`, false],
  ])('%s → %s', (bearer, expected) => {
    expect(isOAuthAccessToken(bearer)).toBe(expected);
  });
});
