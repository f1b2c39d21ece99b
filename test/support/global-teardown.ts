import { rmSync } from 'node:fs';
import { SNAPSHOT_ENV } from './embedded-snapshot';

/** Jest globalTeardown: removes what the global setup made. */
export default function globalTeardown(): void {
  const dir = process.env[SNAPSHOT_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
