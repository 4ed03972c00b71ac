import { Type, type Static } from 'typebox';

/**
 * Dead letters (`GET /api/dead-letters`, `POST /api/dead-letters/redrive`): spans the store
 * refused for a data error, kept by the collector with the error so that they can be looked
 * at and re-driven once the cause is fixed.
 */

export const DeadLettersQuery = Type.Object(
  {
    reason: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Only dead letters whose reason contains this text (any case).' }),
    ),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Received at or after (ISO 8601 or epoch ms).' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'Received before (ISO 8601 or epoch ms).' })),
    pending: Type.Optional(Type.Boolean({ description: 'Only those not re-driven yet.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'next_cursor of the previous page.' })),
  },
  { additionalProperties: false },
);
export type DeadLettersQuery = Static<typeof DeadLettersQuery>;

/** Characters of the refused insert line shown in a listing (the whole line is re-driven). */
export const DEAD_LETTER_PREVIEW_CHARS = 2048;

export const DeadLetter = Type.Object({
  id: Type.String(),
  received_at: Type.String({ description: 'When the collector set the span aside (ISO 8601).' }),
  reason: Type.String({ description: "The store's error, first line." }),
  error_code: Type.Integer({ description: "ClickHouse's error code (0 when the error had none)." }),
  trace_id: Type.String(),
  span_id: Type.String(),
  redriven_at: Type.Union([Type.String(), Type.Null()], { description: 'When a re-drive stored it, or null.' }),
  line_chars: Type.Integer({ description: 'Length of the refused insert line.' }),
  line_preview: Type.String({ description: `Its first ${DEAD_LETTER_PREVIEW_CHARS} characters.` }),
});
export type DeadLetter = Static<typeof DeadLetter>;

export const DeadLetterList = Type.Object({
  dead_letters: Type.Array(DeadLetter, { description: 'Newest first.' }),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type DeadLetterList = Static<typeof DeadLetterList>;

export const RedriveBody = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: 1000,
        description: 'These dead letters only.',
      }),
    ),
    reason: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Only those whose reason contains this text.' }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'At most this many, oldest first.' }),
    ),
  },
  { additionalProperties: false },
);
export type RedriveBody = Static<typeof RedriveBody>;

export const RedriveResult = Type.Object({
  redriven: Type.Integer({ description: 'Dead letters stored this time (marked re-driven).' }),
  failed: Type.Array(Type.Object({ id: Type.String(), reason: Type.String() }), {
    description: 'Dead letters the store refused again: they stay pending.',
  }),
});
export type RedriveResult = Static<typeof RedriveResult>;
