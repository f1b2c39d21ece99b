import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Where a deletion cascades: one organisation (with its projects) or one project. */
export type DeletedBinding = { organizationId: string } | { projectId: string };

/**
 * What the keys module does when an organisation or project goes: its keys are deleted with it by
 * the foreign keys' cascade, and must stop verifying on every instance once that has committed.
 */
export interface BoundKeysOwner {
  /** The ids of the keys bound to `binding`, read inside the deleting transaction. */
  idsBoundTo(manager: EntityManager, binding: DeletedBinding): Promise<string[]>;
  /** After commit: the deleted keys are forgotten by every verifier cache. */
  forget(ids: string[]): void;
}

/**
 * The seam between organisations and the keys bound to them. Organisations sit below API keys in
 * the layers and may not import them, so the keys module registers its owner here at start-up.
 */
@Injectable()
export class BoundKeys {
  private owner?: BoundKeysOwner;

  register(owner: BoundKeysOwner): void {
    this.owner = owner;
  }

  /**
   * Reads, inside the deleting transaction and before the cascade, the keys that go with the
   * binding: how many, and what to run once the transaction has committed.
   */
  async collect(manager: EntityManager, binding: DeletedBinding): Promise<{ count: number; afterCommit: () => void }> {
    const owner = this.owner;
    if (!owner) return { count: 0, afterCommit: () => undefined };
    const ids = await owner.idsBoundTo(manager, binding);
    return { count: ids.length, afterCommit: () => owner.forget(ids) };
  }
}
