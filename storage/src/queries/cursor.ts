import { CairnError } from '@cairn/schemas';

/**
 * Opaque paging cursors: base64url JSON with a kind tag, so a cursor of one route or sort is
 * refused by another with a clear message instead of returning a wrong page.
 */
export function encodeCursor(kind: string, data: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify({ k: kind, ...data }), 'utf8').toString('base64url');
}

export function decodeCursor(kind: string, cursor: string, field: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { k?: unknown }).k !== kind) {
    throw new CairnError(
      'CAIRN_BAD_REQUEST',
      `${field} is not a cursor of this listing (or of another sort/order): send back next_cursor unchanged, with the same sort`,
    );
  }
  return parsed as Record<string, unknown>;
}

export function cursorString(c: Record<string, unknown>, name: string, field: string, pattern?: RegExp): string {
  const v = c[name];
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
    throw new CairnError('CAIRN_BAD_REQUEST', `${field} is corrupt: send back next_cursor unchanged`);
  }
  return v;
}

export function cursorNumber(c: Record<string, unknown>, name: string, field: string): number {
  const v = c[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new CairnError('CAIRN_BAD_REQUEST', `${field} is corrupt: send back next_cursor unchanged`);
  }
  return v;
}
