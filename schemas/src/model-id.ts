/*
 * Model ids as providers, gateways and cloud SDKs spell them, reduced to the form the price
 * table's patterns are written against. Kept apart from the price data so the dashboard can
 * bundle the lookup without the table (it reads the table from GET /api/prices).
 */

/**
 * Lower-cases and strips routing prefixes (`openai/`, `models/`, `accounts/.../models/`,
 * Bedrock's `us.anthropic.`), so ids from gateways and cloud SDKs match the same entry.
 */
export function normalizeModelId(model: string): string {
  let id = model.trim().toLowerCase();
  const slash = id.lastIndexOf('/');
  if (slash >= 0) id = id.slice(slash + 1);
  id = id.replace(/^(?:[a-z]{2}\.)?(?:anthropic|meta|mistral|amazon|cohere)\./, '');
  // Bedrock's version suffix, e.g. claude-3-5-sonnet-20240620-v1:0
  id = id.replace(/-v\d+(?::\d+)?$/, '');
  return id;
}

/** Which entry prices a model id: the index of the first pattern matching its normalized form, or -1. */
export type ModelMatcher = (model: string) => number;

/**
 * The one model-id lookup: the collector's price book and the dashboard's price search both
 * use it, so a pasted id finds the row the collector would price it with. Patterns are tested
 * against {@link normalizeModelId}; the first match wins. An invalid pattern throws, unless
 * `skipInvalid` (a reader of someone else's table, such as the dashboard) makes it match nothing.
 */
export function createModelMatcher(patterns: readonly string[], options: { skipInvalid?: boolean } = {}): ModelMatcher {
  const compiled = patterns.map((p) => {
    try {
      return new RegExp(p);
    } catch (err) {
      if (options.skipInvalid) return undefined;
      throw err;
    }
  });
  return (model) => {
    if (!model) return -1;
    const id = normalizeModelId(model);
    return compiled.findIndex((re) => re !== undefined && re.test(id));
  };
}
