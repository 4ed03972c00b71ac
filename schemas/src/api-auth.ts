import { Type, type Static } from 'typebox';

/** Keys (`/api/keys`) and the dashboard's cookie sign-in (`/api/auth/*`). */

const KeyKind = Type.Union([Type.Literal('ingest'), Type.Literal('admin')]);

export const ApiKey = Type.Object({
  key_id: Type.String(),
  kind: KeyKind,
  prefix: Type.String({ description: 'First characters of the key, to recognise it; not usable as a key.' }),
  name: Type.String(),
  created_at: Type.String(),
  revoked: Type.Boolean(),
});
export type ApiKey = Static<typeof ApiKey>;

export const ApiKeyList = Type.Object({ keys: Type.Array(ApiKey) });
export type ApiKeyList = Static<typeof ApiKeyList>;

export const CreateKeyBody = Type.Object(
  { kind: KeyKind, name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export type CreateKeyBody = Static<typeof CreateKeyBody>;

export const CreatedKeyResponse = Type.Object({
  key: Type.String({ description: 'The full key. Shown once: only its hash is stored.' }),
  record: ApiKey,
});
export type CreatedKeyResponse = Static<typeof CreatedKeyResponse>;

export const KeyParams = Type.Object({ key_id: Type.String({ minLength: 1, maxLength: 64 }) });
export type KeyParams = Static<typeof KeyParams>;

export const LoginBody = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

export const MeResponse = Type.Object({
  project_id: Type.String(),
  project_name: Type.String(),
  key_id: Type.String(),
  key_prefix: Type.String(),
  via: Type.Union([Type.Literal('key'), Type.Literal('cookie')], { description: 'Bearer key or sign-in cookie.' }),
  otlp_endpoint: Type.String({
    description:
      "The collector's OTLP/HTTP base URL to send traces to (append /v1/traces): CAIRN_PUBLIC_OTLP_URL when set, else the address the collector listens on.",
  }),
});
export type MeResponse = Static<typeof MeResponse>;

export const OkResponse = Type.Object({ ok: Type.Literal(true) });
export type OkResponse = Static<typeof OkResponse>;
