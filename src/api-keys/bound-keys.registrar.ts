import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BoundKeys, DeletedBinding } from '../organizations/bound-keys';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { ApiKeyEntity } from './entities/api-key.entity';

/** Answers for the keys bound to an organisation or project that is being deleted. */
@Injectable()
export class BoundKeysRegistrar implements OnModuleInit {
  constructor(
    private readonly boundKeys: BoundKeys,
    private readonly verifier: ApiKeyVerifier,
  ) {}

  onModuleInit(): void {
    this.boundKeys.register({
      idsBoundTo: async (manager: EntityManager, binding: DeletedBinding) => {
        const rows: Array<{ id: string }> = await manager.find(ApiKeyEntity, { where: binding, select: { id: true } });
        return rows.map((row) => row.id);
      },
      forget: (ids) => {
        for (const id of ids) this.verifier.invalidate(id);
      },
    });
  }
}
