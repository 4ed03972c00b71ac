import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new webhook signing secret (shown once by the API). */
export function generateWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64url');
}

/**
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops"). The timestamp is the
 * `X-Cairn-Timestamp` header (Unix seconds), so a receiver can also reject stale replays.
 */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Constant-time check of a received signature header (what a receiver does). */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const got = Buffer.from(header);
  return expected.length === got.length && timingSafeEqual(expected, got);
}
