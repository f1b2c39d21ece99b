import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from './client';

type Call = { url: string; init: RequestInit };

function fakeFetch(responses: Array<{ status: number; body: unknown }>) {
  const calls: Call[] = [];
  const impl = vi.fn((url: string, init?: RequestInit) => {
    calls.push({ url, init: init ?? {} });
    const next = responses.shift();
    if (!next) throw new Error(`unexpected request ${url}`);
    return Promise.resolve(
      new Response(JSON.stringify(next.body), { status: next.status, headers: { 'content-type': 'application/json' } }),
    );
  });
  return { impl: impl as unknown as typeof fetch, calls };
}

const headers = (call: Call) => call.init.headers as Record<string, string>;

describe('ApiClient', () => {
  it('unwraps the envelope and sends JSON with the session cookie', async () => {
    const { impl, calls } = fakeFetch([{ status: 201, body: { success: true, data: { id: 'k1' } } }]);
    const api = new ApiClient(impl);
    await expect(api.post('/api/keys', { name: 'ci' })).resolves.toEqual({ id: 'k1' });
    expect(calls[0].init).toMatchObject({ method: 'POST', credentials: 'same-origin', body: '{"name":"ci"}' });
    expect(headers(calls[0])['Content-Type']).toBe('application/json');
  });

  it('takes 204 No Content as success, and sends PUT with the CSRF token', async () => {
    const impl = vi.fn((_url: string, _init?: RequestInit) => Promise.resolve(new Response(null, { status: 204 })));
    const api = new ApiClient(impl as unknown as typeof fetch);
    api.setCsrfToken('token-1');
    await expect(api.delete('/api/admin/users/1/mfa')).resolves.toBeUndefined();
    await api.put('/api/admin/api-keys/1', { isActive: false });
    expect(impl.mock.calls[1][1]).toMatchObject({ method: 'PUT', body: '{"isActive":false}' });
    expect((impl.mock.calls[1][1]?.headers as Record<string, string>)['X-CSRF-Token']).toBe('token-1');
  });

  it('adds X-CSRF-Token to state-changing requests only', async () => {
    const ok = { status: 200, body: { success: true, data: null } };
    const { impl, calls } = fakeFetch([ok, ok, ok, ok]);
    const api = new ApiClient(impl);
    api.setCsrfToken('token-1');
    await api.get('/api/keys');
    await api.post('/api/keys', {});
    await api.patch('/api/keys/1', {});
    await api.delete('/api/keys/1');
    expect(calls.map((call) => headers(call)['X-CSRF-Token'])).toEqual([undefined, 'token-1', 'token-1', 'token-1']);
    // A body-less POST sends no Content-Type (the server's 415 rule only checks bodies).
    expect(headers(calls[3])['Content-Type']).toBeUndefined();
  });

  it('puts list parameters in the query and returns the page meta', async () => {
    const { impl, calls } = fakeFetch([
      { status: 200, body: { success: true, data: [{ id: 'a' }], meta: { page: 2, limit: 20, total: 21 } } },
    ]);
    const page = await new ApiClient(impl).page('/api/keys', { page: 2, limit: 20, empty: '' });
    expect(calls[0].url).toBe('/api/keys?page=2&limit=20');
    expect(page).toEqual({ items: [{ id: 'a' }], meta: { page: 2, limit: 20, total: 21 } });
  });

  it('raises the error envelope as an ApiError with its code and field messages', async () => {
    const body = {
      success: false,
      error: 'Validation failed',
      code: 'validation_failed',
      requestId: 'r1',
      details: [{ field: 'name', messages: ['name is required'] }],
    };
    const { impl } = fakeFetch([{ status: 400, body }]);
    const error = await new ApiClient(impl).post('/api/keys', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', requestId: 'r1' });
    expect((error as ApiError).describe()).toBe('name is required');
  });

  it('reports a 401 as the end of the session, unless asked not to', async () => {
    const unauthorized = { status: 401, body: { success: false, error: 'Unauthorized', code: 'unauthorized', requestId: 'r' } };
    const { impl } = fakeFetch([unauthorized, unauthorized]);
    const api = new ApiClient(impl);
    const ended = vi.fn();
    api.onSessionEnded(ended);
    await expect(api.get('/api/auth/me', { quiet401: true })).rejects.toMatchObject({ status: 401 });
    expect(ended).not.toHaveBeenCalled();
    await expect(api.get('/api/keys')).rejects.toMatchObject({ status: 401 });
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('fetches a fresh CSRF token once and retries when the server refuses a stale one', async () => {
    const refused = { status: 403, body: { success: false, error: 'Missing or invalid CSRF token', code: 'csrf_invalid', requestId: 'r' } };
    const { impl, calls } = fakeFetch([
      refused,
      { status: 200, body: { success: true, data: { csrfToken: 'fresh' } } },
      { status: 200, body: { success: true, data: { id: 'k' } } },
      refused,
      { status: 200, body: { success: true, data: { csrfToken: 'fresh-2' } } },
      refused,
    ]);
    const api = new ApiClient(impl);
    api.setCsrfToken('stale');
    await expect(api.delete('/api/keys/k')).resolves.toEqual({ id: 'k' });
    expect(calls.map((call) => [call.init.method, call.url, headers(call)['X-CSRF-Token']])).toEqual([
      ['DELETE', '/api/keys/k', 'stale'],
      ['GET', '/api/auth/csrf', undefined],
      ['DELETE', '/api/keys/k', 'fresh'],
    ]);
    // Refused again with the fresh token: not a loop.
    await expect(api.delete('/api/keys/k')).rejects.toMatchObject({ status: 403, code: 'csrf_invalid' });
    expect(calls).toHaveLength(6);
  });

  it('names a response that is not the envelope by its status', async () => {
    const impl = vi.fn(() => Promise.resolve(new Response('<html>bad gateway</html>', { status: 502 }))) as unknown as typeof fetch;
    await expect(new ApiClient(impl).get('/api/keys')).rejects.toMatchObject({
      status: 502,
      code: 'internal_error',
      message: 'The server answered 502',
    });
  });
  it('takes a 204 as done, and sends a DELETE body as JSON', async () => {
    const impl = vi.fn(() => Promise.resolve(new Response(null, { status: 204 }))) as unknown as typeof fetch;
    const api = new ApiClient(impl);
    api.setCsrfToken('token-1');
    await expect(api.delete('/api/auth/me', { password: 'pw' })).resolves.toBeUndefined();
    const init = (impl as unknown as { mock: { calls: Array<[string, RequestInit]> } }).mock.calls[0][1];
    expect(init).toMatchObject({ method: 'DELETE', body: '{"password":"pw"}' });
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('reads a file route as a blob with its suggested name, and its errors as ApiErrors', async () => {
    const file = new Response('{"format":"argus.account-export"}', {
      status: 200,
      headers: { 'content-type': 'application/json', 'content-disposition': 'attachment; filename="argus-account-2026-12-02.json"' },
    });
    const refused = new Response(JSON.stringify({ success: false, error: 'Nope', code: 'forbidden' }), { status: 403 });
    const impl = vi.fn().mockResolvedValueOnce(file).mockResolvedValueOnce(refused) as unknown as typeof fetch;
    const api = new ApiClient(impl);
    const { blob, filename } = await api.file('/api/auth/me/export');
    expect([await blob.text(), filename]).toEqual(['{"format":"argus.account-export"}', 'argus-account-2026-12-02.json']);
    await expect(api.file('/api/auth/me/export')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});
