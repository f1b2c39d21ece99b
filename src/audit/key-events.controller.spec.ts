import { ROLE_SCOPES } from '../access/scopes';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { notFound } from '../core/errors/app.exception';
import {
  ControllerContext,
  KEY_ID,
  apiKey,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../test/support/controller-setup';
import { auditEvent, keyView } from '../../test/support/controller-fixtures';
import { AuditService } from './audit.service';
import { toAuditEventDto } from './dto/audit-event.dto';
import { KeyEventsController } from './key-events.controller';

describe(KeyEventsController.name, () => {
  let ctx: ControllerContext;
  const keys = mockService(ApiKeysService);
  const audit = mockService(AuditService);
  const user = userJwt();
  const url = `/api/keys/${KEY_ID}/events`;

  beforeAll(async () => {
    ctx = await controllerSetup(KeyEventsController, [
      { provide: ApiKeysService, useValue: keys },
      { provide: AuditService, useValue: audit },
    ]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => {
    keys.resetAllMocks();
    audit.resetAllMocks();
  });

  it('answers 401 unauthorized without credentials', async () => {
    const res = await ctx.request('GET', url);
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect([...callsTo(keys), ...callsTo(audit)]).toEqual([]);
  });

  it('answers 403 insufficient_scope to a key without read:keys', async () => {
    const res = await ctx.request('GET', url, { headers: ctx.as(apiKey(ROLE_SCOPES.user.filter((scope) => scope !== 'read:keys'))) });
    expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: 'Missing required scope: read:keys' })]);
    expect([...callsTo(keys), ...callsTo(audit)]).toEqual([]);
  });

  it('reads the trail of a key the caller may see, paginated', async () => {
    keys.getKey.mockResolvedValue(keyView());
    const event = auditEvent();
    audit.find.mockResolvedValue({ items: [event], total: 6 });
    const res = await ctx.request('GET', `${url}?page=2&limit=5`, { headers: ctx.as(user) });

    expect([res.status, res.body]).toEqual([200, { success: true, data: [toAuditEventDto(event)], meta: { page: 2, limit: 5, total: 6 } }]);
    expect(keys.getKey.mock.calls).toEqual([[user, KEY_ID]]);
    expect(audit.find.mock.calls).toEqual([[{ targetId: KEY_ID, skip: 5, take: 5 }]]);
  });

  it('answers 404 for a key that is not the caller’s, without reading the trail', async () => {
    keys.getKey.mockRejectedValue(notFound('API key'));
    const res = await ctx.request('GET', url, { headers: ctx.as(user) });
    expect([res.status, res.body]).toEqual([404, errorBody('not_found', { error: 'API key not found' })]);
    expect(callsTo(audit)).toEqual([]);
  });

  it.each([
    ['/api/keys/not-a-uuid/events', 'id'],
    [`${url}?page=0`, 'page'],
    [`${url}?action=key.created`, 'action'],
  ])('refuses %s with 400 naming %s', async (target, field) => {
    const res = await ctx.request('GET', target, { headers: ctx.as(user) });
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect([...callsTo(keys), ...callsTo(audit)]).toEqual([]);
  });
});
