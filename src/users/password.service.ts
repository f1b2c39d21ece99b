import { Injectable, OnModuleInit } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { PasswordHashCost } from '../core/crypto/password-hash-cost';

/** argon2id hashing, plus a dummy hash so a login for an unknown email costs as much as a real one. */
@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash = '';
  private readonly options: { algorithm: Algorithm.Argon2id; memoryCost: number; timeCost: number; parallelism: number };

  // OWASP's argon2id baseline by default (PasswordHashCost).
  constructor(cost: PasswordHashCost) {
    this.options = { algorithm: Algorithm.Argon2id, memoryCost: cost.memoryCost, timeCost: cost.timeCost, parallelism: cost.parallelism };
  }

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(24).toString('base64'));
  }

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Spend the time of a real verification, and fail. */
  async verifyAgainstDummy(password: string): Promise<false> {
    await this.verify(this.dummyHash, password);
    return false;
  }
}
