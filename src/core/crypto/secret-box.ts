import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Webhook secrets must be readable to sign with, so they are stored encrypted (AES-256-GCM) under
 * a key derived from JWT_SECRET: a database dump alone does not reveal them. Changing JWT_SECRET
 * makes stored webhook secrets unreadable; endpoints then need new secrets. Each `purpose` derives
 * its own key, so a box sealed for one use cannot be opened as another.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(masterSecret: string, purpose = 'webhook-secrets') {
    this.key = Buffer.from(hkdfSync('sha256', masterSecret, 'argus', purpose, 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join('.');
  }

  open(box: string): string {
    const [version, iv, tag, sealed] = box.split('.');
    if (version !== 'v1') throw new Error('unknown secret box version');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
  }
}
