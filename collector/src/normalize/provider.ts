/*
 * Provider names arrive in many spellings: GenAI convention values (`gcp.gemini`), their older
 * `gen_ai.system` values (`vertex_ai`, `az.ai.openai`), OpenInference's `llm.provider` /
 * `llm.system` (`google`, `mistralai`, `azure`) and the Vercel AI SDK's `ai.model.provider`
 * (`openai.chat`, `google.vertex.chat`, `amazon-bedrock`). They are folded onto the GenAI
 * convention's well-known values; an unknown name is kept, lower-cased.
 */
const ALIASES: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'gcp.gemini',
  gemini: 'gcp.gemini',
  'gcp.gemini': 'gcp.gemini',
  'google.generative-ai': 'gcp.gemini',
  'google-generative-ai': 'gcp.gemini',
  'google.gemini': 'gcp.gemini',
  vertex_ai: 'gcp.vertex_ai',
  vertexai: 'gcp.vertex_ai',
  'vertex-ai': 'gcp.vertex_ai',
  'google.vertex': 'gcp.vertex_ai',
  'google-vertex': 'gcp.vertex_ai',
  'gcp.vertex_ai': 'gcp.vertex_ai',
  'gcp.gen_ai': 'gcp.gen_ai',
  mistral: 'mistral_ai',
  mistralai: 'mistral_ai',
  mistral_ai: 'mistral_ai',
  deepseek: 'deepseek',
  meta: 'meta',
  llama: 'meta',
  'meta-llama': 'meta',
  xai: 'x_ai',
  x_ai: 'x_ai',
  'x-ai': 'x_ai',
  aws: 'aws.bedrock',
  bedrock: 'aws.bedrock',
  'amazon-bedrock': 'aws.bedrock',
  'aws.bedrock': 'aws.bedrock',
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  'az.ai.openai': 'azure.ai.openai',
  'azure.ai.openai': 'azure.ai.openai',
  'az.ai.inference': 'azure.ai.inference',
  'azure.ai.inference': 'azure.ai.inference',
  cohere: 'cohere',
  groq: 'groq',
  perplexity: 'perplexity',
  ibm: 'ibm.watsonx.ai',
  watsonx: 'ibm.watsonx.ai',
  'ibm.watsonx.ai': 'ibm.watsonx.ai',
};

/**
 * The API flavour the Vercel AI SDK appends to a provider's name (`openai.chat`,
 * `fakeai.completion`, `groq.responses`): folded away for any provider, known or not.
 */
const FLAVOURS = new Set([
  'chat',
  'completion',
  'completions',
  'responses',
  'messages',
  'embedding',
  'embeddings',
  'image',
  'images',
  'transcription',
  'speech',
]);

const cache = new Map<string, string>();

function lookup(id: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(ALIASES, id) ? ALIASES[id] : undefined;
}

/** The GenAI convention's provider name for any of the spellings above. */
export function normalizeProvider(raw: string): string {
  const hit = cache.get(raw);
  if (hit !== undefined) return hit;
  const id = raw.trim().toLowerCase();
  let out = lookup(id);
  if (out === undefined) {
    // Vercel appends the API flavour: `openai.responses`, `google.vertex.chat`.
    const parts = id.split('.');
    if (parts.length >= 2) out = lookup(`${parts[0]}.${parts[1]}`) ?? lookup(parts[0] as string);
  }
  if (out === undefined) {
    const dot = id.lastIndexOf('.');
    const base = dot > 0 && FLAVOURS.has(id.slice(dot + 1)) ? id.slice(0, dot) : id;
    out = base === id ? id : normalizeProvider(base);
  }
  if (cache.size < 1000) cache.set(raw, out);
  return out;
}
