import { describe, expect, it } from 'vitest';
import { toCreateInput, EMPTY_KEY_FORM } from './key-form';
import { integrationSnippets } from './snippets';
import { fakeKey } from '../test-support/keys';

const KEY = fakeKey('snippet');

describe('integrationSnippets', () => {
  it('fills in the origin and the key, for curl, Python requests, Node fetch and the shell', () => {
    const snippets = integrationSnippets('https://argus.example.com', KEY);
    expect(snippets.map((snippet) => snippet.id)).toEqual(['curl', 'python', 'node', 'shell']);
    for (const snippet of snippets) {
      expect(snippet.code).toContain(KEY);
      expect(snippet.code).toContain('https://argus.example.com/api/');
    }
    expect(snippets[0].code).toBe(`curl -s https://argus.example.com/api/auth/verify \\\n  -H "X-API-Key: ${KEY}"`);
    expect(snippets[1].code).toContain('import requests');
    expect(snippets[1].code).toContain(`headers={"X-API-Key": "${KEY}"}`);
    expect(snippets[2].code).toContain("await fetch('https://argus.example.com/api/auth/verify'");
    expect(snippets[3].code).toContain(`export ARGUS_API_KEY='${KEY}'`);
    expect(snippets[3].code).toContain('"X-API-Key: $ARGUS_API_KEY"');
  });
});

describe('toCreateInput', () => {
  const now = Date.parse('2026-12-01T12:00:00.000Z');

  it('sends only what was filled in', () => {
    expect(toCreateInput({ ...EMPTY_KEY_FORM, name: '  CI bot ', scopes: new Set(['write:keys', 'read:keys']) }, now)).toEqual({
      name: 'CI bot',
      scopes: ['read:keys', 'write:keys'],
    });
  });

  it('turns the optional fields into the API shapes', () => {
    const input = toCreateInput(
      {
        ...EMPTY_KEY_FORM,
        name: 'billing',
        scopes: new Set(['read:projects']),
        expiry: '30',
        rateLimit: '100',
        rateWindow: '60',
        quota: '10000',
        quotaPeriod: 'month',
        allowedIps: '203.0.113.7\n10.0.0.0/8, 2001:db8::/32',
        rotateEveryDays: '90',
        rotationGraceHours: '24',
        binding: 'project:3f1c0c1e-5d4b-4c39-9b5e-0d7f6f3f8a11',
      },
      now,
    );
    expect(input).toEqual({
      name: 'billing',
      scopes: ['read:projects'],
      expiresAt: '2026-12-31T12:00:00.000Z',
      rateLimit: { limit: 100, windowSeconds: 60 },
      quota: { limit: 10000, period: 'month' },
      allowedIps: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'],
      rotationPolicy: { everyDays: 90, gracePeriodSeconds: 86400 },
      projectId: '3f1c0c1e-5d4b-4c39-9b5e-0d7f6f3f8a11',
    });
    expect(toCreateInput({ ...EMPTY_KEY_FORM, name: 'org', binding: 'org:abc' }).organizationId).toBe('abc');
  });
});
