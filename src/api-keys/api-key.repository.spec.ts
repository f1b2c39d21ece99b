import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Session, TestApp } from '../../test/support/test-app';
import { generateApiKey, hashApiKey } from './api-key-format';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { ApiKeyRepository } from './api-key.repository';
import { NewApiKey } from './api-key.repository.types';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeyTransaction } from './key-transaction';
import { KeyUnitOfWork } from './key-unit-of-work';

/** The repository tier: ApiKeyRepository's queries against the real schema (the embedded PostgreSQL, migrated). */
describe(ApiKeyRepository.name, () => {
  let t: TestApp;
  let sut: ApiKeyRepository;
  let dataSource: DataSource;
  let owner: Session;
  let userId: string;
  let otherUserId: string;

  beforeAll(async () => {
    t = await TestApp.start();
    sut = t.app.get(ApiKeyRepository);
    dataSource = t.app.get(DataSource);
    owner = await t.newUser('repo');
    userId = owner.userId;
    otherUserId = (await t.newUser('repo-other')).userId;
  });

  afterAll(() => t.close());

  /** Runs `work` in a transaction of its own and hands back what it noted for the verifiers. */
  async function inTransaction<T>(work: (tx: KeyTransaction) => Promise<T>): Promise<{ result: T; changes: KeyTransaction['changes'] }> {
    let tx!: KeyTransaction;
    const result = await dataSource.transaction((manager) => work((tx = new KeyTransaction(manager))));
    return { result, changes: tx.changes };
  }

  function newKey(overrides: Partial<NewApiKey> = {}): NewApiKey & { plaintext: string } {
    const plaintext = generateApiKey();
    return {
      plaintext,
      userId,
      name: `key-${randomBytes(3).toString('hex')}`,
      organizationId: null,
      projectId: null,
      parentKeyId: null,
      keyPrefix: plaintext.slice(0, 8),
      keyHash: hashApiKey(plaintext),
      scopes: ['read:keys'],
      isActive: true,
      expiresAt: null,
      rateLimit: null,
      quota: null,
      allowedIps: null,
      certificateThumbprint: null,
      rotationPolicy: null,
      rotationDueAt: null,
      ...overrides,
    };
  }

  const insert = async (overrides: Partial<NewApiKey> = {}): Promise<ApiKeyEntity> => {
    const { plaintext: _plaintext, ...fields } = newKey(overrides);
    return (await inTransaction((tx) => sut.insert(tx, fields))).result;
  };

  it('inserts a key, noting its hash for the verifiers, and finds it by that hash with the verified columns only', async () => {
    const { plaintext, ...fields } = newKey({ scopes: ['read:keys', 'write:keys'], rateLimit: { limit: 5, windowSeconds: 60 } });
    const { result: saved, changes } = await inTransaction((tx) => sut.insert(tx, fields));
    expect(changes).toEqual({ ids: [], hashes: [hashApiKey(plaintext)] });

    const found = await sut.findByHash(hashApiKey(plaintext));
    expect(found).toEqual({
      id: saved.id,
      userId,
      organizationId: null,
      projectId: null,
      scopes: ['read:keys', 'write:keys'],
      isActive: true,
      revokedAt: null,
      expiresAt: null,
      rateLimit: { limit: 5, windowSeconds: 60 },
      quota: null,
      allowedIps: null,
      certificateThumbprint: null,
      rotatedAt: null,
    });
    await expect(sut.findByHash(hashApiKey(generateApiKey()))).resolves.toBeNull();
  });

  it("bounds look-ups by their boundary: another owner's key is not found", async () => {
    const key = await insert();
    await expect(sut.findInBoundary({ userId }, key.id)).resolves.toMatchObject({ id: key.id });
    await expect(sut.findInBoundary({ userId: otherUserId }, key.id)).resolves.toBeNull();
    const { result: locked } = await inTransaction((tx) => sut.lockInBoundary(tx, { userId: otherUserId }, key.id));
    expect(locked).toBeNull();
  });

  it('saves changes to a locked key and notes it; bookkeeping writes note nothing', async () => {
    const key = await insert();
    const { changes } = await inTransaction(async (tx) => {
      const locked = (await sut.lockInBoundary(tx, { userId }, key.id)) as ApiKeyEntity;
      locked.scopes = [];
      await sut.save(tx, locked);
      await sut.clearSealedKey(tx.manager, key.id);
      await sut.postponeRotation(tx.manager, key.id, new Date(t.clock.now() + 1000));
    });
    expect(changes.ids).toEqual([key.id]);
    await expect(sut.findById(key.id)).resolves.toMatchObject({ scopes: [] });
  });

  it('hands out a sealed successor only with its sealed copy, and never for a revoked key', async () => {
    const key = await insert({ sealedKey: 'v1.sealed' });
    const { result: sealed } = await inTransaction((tx) => sut.lockSealedInBoundary(tx, { userId }, key.id));
    expect(sealed).toMatchObject({ id: key.id, sealedKey: 'v1.sealed', revealPending: true });
    await expect(sut.findById(key.id)).resolves.not.toHaveProperty('sealedKey', 'v1.sealed');

    await inTransaction(async (tx) =>
      sut.save(tx, Object.assign((await sut.findById(key.id, tx.manager)) as ApiKeyEntity, { revokedAt: new Date() })),
    );
    const { result: revoked } = await inTransaction((tx) => sut.lockSealedInBoundary(tx, { userId }, key.id));
    expect(revoked).toBeNull();
  });

  it('revokes every unrevoked descendant at any depth, once, and notes each', async () => {
    const root = await insert();
    const child = await insert({ parentKeyId: root.id });
    const grandchild = await insert({ parentKeyId: child.id, userId: otherUserId });
    const unrelated = await insert();
    const now = new Date(t.clock.now());

    const first = await inTransaction((tx) => sut.revokeDescendants(tx, root.id, now));
    expect(first.result).toEqual(
      expect.arrayContaining([
        { id: child.id, userId },
        { id: grandchild.id, userId: otherUserId },
      ]),
    );
    expect(first.result).toHaveLength(2);
    expect(first.changes.ids.sort()).toEqual([child.id, grandchild.id].sort());
    await expect(inTransaction((tx) => sut.revokeDescendants(tx, root.id, now))).resolves.toMatchObject({
      result: [],
      changes: { ids: [] },
    });
    await expect(sut.findById(root.id)).resolves.toMatchObject({ revokedAt: null });
    await expect(sut.findById(unrelated.id)).resolves.toMatchObject({ revokedAt: null });
  });

  it('walks a lineage up through parents and predecessors', async () => {
    const root = await insert();
    const delegated = await insert({ parentKeyId: root.id });
    const grandchild = await insert({ parentKeyId: delegated.id });
    const predecessor = await insert({ parentKeyId: root.id });
    const successor = await insert({ parentKeyId: root.id });
    await dataSource.getRepository(ApiKeyEntity).update({ id: predecessor.id }, { replacedById: successor.id });
    const lineage = (callerId: string, targetId: string) => sut.lineage(dataSource.manager, callerId, targetId, 1000);

    await expect(lineage(root.id, grandchild.id)).resolves.toEqual({ delegated: false, reached: true });
    await expect(lineage(delegated.id, grandchild.id)).resolves.toEqual({ delegated: true, reached: true });
    await expect(lineage(delegated.id, successor.id)).resolves.toEqual({ delegated: true, reached: false });
    await expect(lineage(predecessor.id, successor.id)).resolves.toEqual({ delegated: true, reached: true });
  });

  it('reads a parent under a share lock, and moves children to a successor', async () => {
    const parent = await insert({ isActive: false });
    const child = await insert({ parentKeyId: parent.id });
    const successor = await insert();
    const { result } = await inTransaction(async (tx) => {
      await sut.reparentChildren(tx.manager, parent.id, successor.id);
      return sut.shareLockState(tx, parent.id);
    });
    expect(result).toEqual({ revokedAt: null, isActive: false });
    await expect(sut.findById(child.id)).resolves.toMatchObject({ parentKeyId: successor.id });
    await expect(inTransaction((tx) => sut.shareLockState(tx, '00000000-0000-4000-8000-000000000000'))).resolves.toMatchObject({
      result: null,
    });
  });

  it('flags an expiry notice once, and returns what it announces with dates', async () => {
    const now = t.clock.now();
    const expiresAt = new Date(now + 3_600_000);
    const key = await insert({ expiresAt });
    const horizon = new Date(now + 7_200_000);
    const first = await sut.markExpiryNoticesDue(dataSource.manager, new Date(now), horizon, 500);
    expect(first.find((noticed) => noticed.id === key.id)).toEqual({
      id: key.id,
      userId,
      name: key.name,
      keyPrefix: key.keyPrefix,
      expiresAt,
      rotationDueAt: null,
    });
    const again = await sut.markExpiryNoticesDue(dataSource.manager, new Date(now), horizon, 500);
    expect(again.map((noticed) => noticed.id)).not.toContain(key.id);
  });

  it('locks the keys due for rotation and flags their notice once', async () => {
    const now = t.clock.now();
    const policy = { everyDays: 1, gracePeriodSeconds: 0, notifyDaysBefore: 0 };
    const due = await insert({ rotationPolicy: policy, rotationDueAt: new Date(now - 1000) });
    const notYet = await insert({ rotationPolicy: policy, rotationDueAt: new Date(now + 86_400_000) });
    const { result } = await inTransaction(async (tx) => ({
      due: await sut.lockDueForRotation(tx, new Date(now), 100),
      noticed: await sut.markRotationNoticesDue(tx.manager, new Date(now), 100),
    }));
    expect(result.due).toContain(due.id);
    expect(result.due).not.toContain(notYet.id);
    expect(result.noticed.find((noticed) => noticed.id === due.id)?.rotationDueAt).toEqual(new Date(now - 1000));
    await expect(sut.markRotationNoticesDue(dataSource.manager, new Date(now), 100)).resolves.not.toContainEqual(
      expect.objectContaining({ id: due.id }),
    );
  });

  it('moves lastUsedAt forward only', async () => {
    const key = await insert();
    const later = Date.parse('2026-03-01T12:00:00.000Z');
    await sut.recordLastUsed(new Map([[key.id, later]]));
    await sut.recordLastUsed(new Map([[key.id, later - 60_000]]));
    await expect(sut.findById(key.id)).resolves.toMatchObject({ lastUsedAt: new Date(later) });
  });

  it('lists the keys bound to an organisation or project being deleted', async () => {
    const organizationId: string = (await t.post('/api/v1/organizations', { name: 'Repo Co' }, owner.auth)).body.data.id;
    const project = await t.post('/api/v1/projects', { organizationId, name: 'repo' }, owner.auth);
    const projectId: string = project.body.data.id;
    const inOrganization = await insert({ organizationId });
    const inProject = await insert({ organizationId, projectId });
    await insert();
    const bound = await sut.idsBoundTo(dataSource.manager, { organizationId });
    expect(bound.sort()).toEqual([inOrganization.id, inProject.id].sort());
    await expect(sut.idsBoundTo(dataSource.manager, { projectId })).resolves.toEqual([inProject.id]);
  });

  it('a change through the unit of work reaches the verifier as soon as it commits', async () => {
    const { plaintext, ...fields } = newKey();
    const unitOfWork = t.app.get(KeyUnitOfWork);
    const verifier = t.app.get(ApiKeyVerifier);
    await expect(verifier.lookup(plaintext)).resolves.toBeNull();
    const saved = await unitOfWork.run((tx) => sut.insert(tx, fields));
    await expect(verifier.verify(plaintext)).resolves.toMatchObject({ id: saved.id, revoked: false });
    await unitOfWork.run(async (tx) =>
      sut.save(tx, Object.assign((await sut.lockById(tx, saved.id)) as ApiKeyEntity, { revokedAt: new Date() })),
    );
    await expect(verifier.verify(plaintext)).rejects.toMatchObject({ code: 'api_key_revoked' });
  });
});
