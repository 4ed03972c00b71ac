import { Type } from 'typebox';

/**
 * Bounds of API inputs: every number and time a client sends is checked against what the store
 * can hold, so that an out-of-range value is a 400 at validation rather than a ClickHouse error
 * (a 500) later. NaN and ±Infinity, which query coercion lets past a `maximum`, are refused
 * by the API's input guard, so these bounds only have to cover finite values.
 */

/**
 * The instants the store can hold: span times are DateTime64(9) (Int64 nanoseconds since the
 * epoch), whose last value is 2262-04-11T23:47:16.854775807Z. Milliseconds, both inclusive.
 */
export const STORABLE_TIME_MIN_MS = 0;
export const STORABLE_TIME_MAX_MS = Date.UTC(2262, 3, 11, 23, 47, 16, 854);

/** Largest USD amount a filter or a budget may name: far above any real spend, exact in Float64. */
export const MAX_USD = 1e12;

/** A time filter in a query: ISO 8601 or epoch milliseconds, inside the storable range. */
export function TimeParam(description: string) {
  return Type.String({
    minLength: 1,
    maxLength: 40,
    description: `${description} ISO 8601 or epoch milliseconds, between 1970-01-01 and 2262-04-11T23:47:16.854Z.`,
  });
}

/** An amount of USD in a filter: finite, 0 to {@link MAX_USD}. */
export function UsdParam(description: string) {
  return Type.Number({ minimum: 0, maximum: MAX_USD, description });
}

/** A count in a filter (steps, tokens): a safe integer, so it is exact in JSON and in UInt64. */
export function CountParam(description?: string) {
  return Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    ...(description !== undefined ? { description } : {}),
  });
}
