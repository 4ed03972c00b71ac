import { CairnError } from '@cairn/schemas';

export interface KeyIdentity {
  projectId: string;
  kind: 'ingest' | 'admin';
}

/** Resolves a presented bearer key; undefined for unknown or revoked keys. */
export type KeyAuthenticator = (key: string) => Promise<KeyIdentity | undefined>;

/**
 * The project of an `Authorization: Bearer <ingest key>` value (the OTLP/HTTP header or the
 * OTLP/gRPC `authorization` metadata).
 * @throws CairnError `CAIRN_UNAUTHORIZED` (missing, unknown, revoked) / `CAIRN_FORBIDDEN` (an admin key).
 */
export async function authenticateBearer(header: string | undefined, resolve: KeyAuthenticator): Promise<string> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) throw new CairnError('CAIRN_UNAUTHORIZED', 'missing "Authorization: Bearer <ingest key>" header');
  const identity = await resolve(m[1]!);
  if (!identity) throw new CairnError('CAIRN_UNAUTHORIZED', 'unknown or revoked key');
  if (identity.kind !== 'ingest') {
    throw new CairnError('CAIRN_FORBIDDEN', 'telemetry must be sent with an ingest key (cairn_ik_…), not an admin key');
  }
  return identity.projectId;
}
