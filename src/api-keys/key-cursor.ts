import { validationFailed } from '../core/errors/app.exception';
import { KeyCursor } from './api-key.repository.types';

const CURSOR_SHAPE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Opaque to clients: base64url of `createdAt|id`. */
export function encodeCursor(cursor: KeyCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

/** A cursor the server did not issue is `400 validation_failed`, never a 500 or an empty page. */
export function decodeCursor(value: string): KeyCursor {
  const match = /^[A-Za-z0-9_-]{1,200}$/.test(value) ? CURSOR_SHAPE.exec(Buffer.from(value, 'base64url').toString('utf8')) : null;
  if (!match || Number.isNaN(Date.parse(match[1]))) {
    throw validationFailed([{ field: 'cursor', messages: ['cursor must be a meta.nextCursor returned by this list'] }]);
  }
  return { createdAt: match[1], id: match[2] };
}
