import type { ModelPrice } from './prices.js';

/**
 * Public list prices in USD per million tokens, standard (non-batch) tier, short context.
 * `taken` is the date the price was read from the provider's public price page. Order matters:
 * the first pattern that matches wins, so more specific ids come before their families.
 * Llama models have no first-party API: their prices are a common hosted list price
 * (Together AI serverless) and are labelled so. Projects override any of these via the API.
 */
export const PRICE_TABLE: readonly ModelPrice[] = [
  // OpenAI
  { provider: 'openai', model: 'gpt-5-nano', pattern: '^gpt-5-nano', input: 0.05, output: 0.4, cacheRead: 0.005, cacheWrite: 0, taken: '2025-08-07' },
  { provider: 'openai', model: 'gpt-5-mini', pattern: '^gpt-5-mini', input: 0.25, output: 2, cacheRead: 0.025, cacheWrite: 0, taken: '2025-08-07' },
  { provider: 'openai', model: 'gpt-5', pattern: '^gpt-5', input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0, taken: '2025-08-07' },
  { provider: 'openai', model: 'gpt-4.1-nano', pattern: '^gpt-4\\.1-nano', input: 0.1, output: 0.4, cacheRead: 0.025, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'gpt-4.1-mini', pattern: '^gpt-4\\.1-mini', input: 0.4, output: 1.6, cacheRead: 0.1, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'gpt-4.1', pattern: '^gpt-4\\.1', input: 2, output: 8, cacheRead: 0.5, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'gpt-4o-mini', pattern: '^gpt-4o-mini', input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'gpt-4o', pattern: '^(chatgpt-)?gpt-4o', input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'gpt-4-turbo', pattern: '^gpt-4-turbo', input: 10, output: 30, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'gpt-3.5-turbo', pattern: '^gpt-3\\.5-turbo', input: 0.5, output: 1.5, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'o4-mini', pattern: '^o4-mini', input: 1.1, output: 4.4, cacheRead: 0.275, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'o3-mini', pattern: '^o3-mini', input: 1.1, output: 4.4, cacheRead: 0.55, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'o3-pro', pattern: '^o3-pro', input: 20, output: 80, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'o3', pattern: '^o3', input: 2, output: 8, cacheRead: 0.5, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'o1-mini', pattern: '^o1-mini', input: 1.1, output: 4.4, cacheRead: 0.55, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'o1', pattern: '^o1', input: 15, output: 60, cacheRead: 7.5, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'text-embedding-3-small', pattern: '^text-embedding-3-small', input: 0.02, output: 0, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'openai', model: 'text-embedding-3-large', pattern: '^text-embedding-3-large', input: 0.13, output: 0, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  // Anthropic (cache write = 5-minute cache write price)
  { provider: 'anthropic', model: 'claude-opus-4-5', pattern: '^claude-opus-4-5', input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25, taken: '2025-11-24' },
  { provider: 'anthropic', model: 'claude-opus-4.1', pattern: '^claude-opus-4', input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75, taken: '2025-08-05' },
  { provider: 'anthropic', model: 'claude-sonnet-4.5', pattern: '^claude-sonnet-4', input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, taken: '2025-09-29' },
  { provider: 'anthropic', model: 'claude-haiku-4.5', pattern: '^claude-haiku-4', input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, taken: '2025-10-15' },
  { provider: 'anthropic', model: 'claude-3.7-sonnet', pattern: '^claude-3-7-sonnet', input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, taken: '2025-06-15' },
  { provider: 'anthropic', model: 'claude-3.5-sonnet', pattern: '^claude-3-5-sonnet', input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, taken: '2025-06-15' },
  { provider: 'anthropic', model: 'claude-3.5-haiku', pattern: '^claude-3-5-haiku', input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1, taken: '2025-06-15' },
  { provider: 'anthropic', model: 'claude-3-opus', pattern: '^claude-3-opus', input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75, taken: '2025-06-15' },
  { provider: 'anthropic', model: 'claude-3-haiku', pattern: '^claude-3-haiku', input: 0.25, output: 1.25, cacheRead: 0.03, cacheWrite: 0.3, taken: '2025-06-15' },
  // Google Gemini (prompts up to 200k tokens)
  { provider: 'gcp.gemini', model: 'gemini-2.5-pro', pattern: '^gemini-2\\.5-pro', input: 1.25, output: 10, cacheRead: 0.31, cacheWrite: 0, taken: '2025-06-17' },
  { provider: 'gcp.gemini', model: 'gemini-2.5-flash-lite', pattern: '^gemini-2\\.5-flash-lite', input: 0.1, output: 0.4, cacheRead: 0.025, cacheWrite: 0, taken: '2025-07-22' },
  { provider: 'gcp.gemini', model: 'gemini-2.5-flash', pattern: '^gemini-2\\.5-flash', input: 0.3, output: 2.5, cacheRead: 0.075, cacheWrite: 0, taken: '2025-06-17' },
  { provider: 'gcp.gemini', model: 'gemini-2.0-flash-lite', pattern: '^gemini-2\\.0-flash-lite', input: 0.075, output: 0.3, cacheRead: 0, cacheWrite: 0, taken: '2025-06-17' },
  { provider: 'gcp.gemini', model: 'gemini-2.0-flash', pattern: '^gemini-2\\.0-flash', input: 0.1, output: 0.4, cacheRead: 0.025, cacheWrite: 0, taken: '2025-06-17' },
  { provider: 'gcp.gemini', model: 'gemini-1.5-pro', pattern: '^gemini-1\\.5-pro', input: 1.25, output: 5, cacheRead: 0.3125, cacheWrite: 0, taken: '2025-06-17' },
  { provider: 'gcp.gemini', model: 'gemini-1.5-flash', pattern: '^gemini-1\\.5-flash', input: 0.075, output: 0.3, cacheRead: 0.01875, cacheWrite: 0, taken: '2025-06-17' },
  // Mistral
  { provider: 'mistral_ai', model: 'mistral-large', pattern: '^mistral-large', input: 2, output: 6, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'mistral_ai', model: 'mistral-medium-3', pattern: '^mistral-medium', input: 0.4, output: 2, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'mistral_ai', model: 'mistral-small-3.1', pattern: '^mistral-small', input: 0.1, output: 0.3, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'mistral_ai', model: 'magistral-medium', pattern: '^magistral-medium', input: 2, output: 5, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'mistral_ai', model: 'codestral', pattern: '^codestral', input: 0.3, output: 0.9, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'mistral_ai', model: 'ministral-8b', pattern: '^ministral-8b', input: 0.1, output: 0.1, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'mistral_ai', model: 'open-mistral-nemo', pattern: '^(open-)?mistral-nemo', input: 0.15, output: 0.15, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  // DeepSeek (cache hit = cache read)
  { provider: 'deepseek', model: 'deepseek-reasoner', pattern: '^deepseek-(reasoner|r1)', input: 0.55, output: 2.19, cacheRead: 0.14, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'deepseek', model: 'deepseek-chat', pattern: '^deepseek-(chat|v3)', input: 0.27, output: 1.1, cacheRead: 0.07, cacheWrite: 0, taken: '2025-06-15' },
  // Meta Llama (hosted list price, Together AI serverless)
  { provider: 'meta', model: 'llama-4-maverick', pattern: 'llama-4-maverick', input: 0.27, output: 0.85, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'meta', model: 'llama-4-scout', pattern: 'llama-4-scout', input: 0.18, output: 0.59, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'meta', model: 'llama-3.1-405b', pattern: 'llama-3\\.1-405b', input: 3.5, output: 3.5, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'meta', model: 'llama-3.3-70b', pattern: 'llama-3\\.[13]-70b', input: 0.88, output: 0.88, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
  { provider: 'meta', model: 'llama-3.1-8b', pattern: 'llama-3\\.[12]-8b', input: 0.18, output: 0.18, cacheRead: 0, cacheWrite: 0, taken: '2025-06-15' },
];
