import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../app.config';
import { ConfigError } from '../../core/config/config-error';

describe('SESSION_TTL and SESSION_IDLE_TIMEOUT', () => {
  let dataDir: string;
  const load = (env: Record<string, string>) => loadConfig({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: 'k'.repeat(48), ...env });
  const problems = (env: Record<string, string>): string[] => {
    try {
      load(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error('loadConfig did not throw');
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'argus-session-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('default to 7 days and 30 minutes', () => {
    expect(load({}).sessions).toEqual({ ttlSeconds: 7 * 86_400, idleTimeoutSeconds: 30 * 60 });
  });

  it('read durations', () => {
    expect(load({ SESSION_TTL: '12h', SESSION_IDLE_TIMEOUT: '900' }).sessions).toEqual({ ttlSeconds: 12 * 3600, idleTimeoutSeconds: 900 });
  });

  it('refuse what is not a duration in range, naming the variable', () => {
    const found = problems({ SESSION_TTL: 'forever', SESSION_IDLE_TIMEOUT: '30s' });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SESSION_TTL: must be a duration/),
        expect.stringMatching(/^SESSION_IDLE_TIMEOUT: must be a duration/),
      ]),
    );
  });

  it('refuse an idle timeout longer than the session itself', () => {
    expect(problems({ SESSION_TTL: '1h', SESSION_IDLE_TIMEOUT: '2h' })).toEqual(['SESSION_IDLE_TIMEOUT: must not exceed SESSION_TTL']);
  });
});
