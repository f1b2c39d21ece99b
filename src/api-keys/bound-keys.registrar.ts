import { Injectable, OnModuleInit } from '@nestjs/common';
import { BoundKeys } from '../organizations/bound-keys';
import { ApiKeyRepository } from './api-key.repository';
import { KeyUnitOfWork } from './key-unit-of-work';

/** Answers for the keys bound to an organisation or project that is being deleted. */
@Injectable()
export class BoundKeysRegistrar implements OnModuleInit {
  constructor(
    private readonly boundKeys: BoundKeys,
    private readonly keys: ApiKeyRepository,
    private readonly unitOfWork: KeyUnitOfWork,
  ) {}

  onModuleInit(): void {
    this.boundKeys.register({
      idsBoundTo: (manager, binding) => this.keys.idsBoundTo(manager, binding),
      forget: (ids) => this.unitOfWork.forgetRemoved(ids),
    });
  }
}
