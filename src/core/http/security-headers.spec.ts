import { securityHeaders, withFormTargets } from './security-headers';

describe('withFormTargets', () => {
  const csp = securityHeaders()['Content-Security-Policy'];

  it("starts from helmet's form-action 'self'", () => {
    expect(csp).toContain("form-action 'self'");
  });

  it('adds the origin of an https or loopback redirect URI, and a private-use scheme, to form-action only', () => {
    const widened = withFormTargets(csp, ['https://app.example.com/callback?x=1', 'http://127.0.0.1:8400/cb', 'com.example.app:/cb']);
    const directives = widened.split(';');
    expect(directives.filter((d) => d.startsWith('form-action'))).toEqual([
      "form-action 'self' https://app.example.com http://127.0.0.1:8400 com.example.app:",
    ]);
    expect(directives.filter((d) => !d.startsWith('form-action')).sort()).toEqual(
      csp
        .split(';')
        .map((d) => d.trim())
        .filter((d) => d && !d.startsWith('form-action'))
        .sort(),
    );
  });

  it('leaves the policy alone for nothing usable: no target, or one that is not a URL', () => {
    expect(withFormTargets(csp, [])).toBe(csp);
    expect(withFormTargets(csp, [undefined, 'not a url', "https://x.example'; script-src *"])).not.toContain('script-src *');
    expect(withFormTargets(csp, ['not a url'])).toBe(csp);
  });
});
