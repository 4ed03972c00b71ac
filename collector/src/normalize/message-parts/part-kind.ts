/**
 * What a content part of a chat message is, whatever its vendor calls it: text (into
 * `content`), reasoning, a tool call the model makes, or a tool's result (its own `tool` message).
 * Each vendor file maps its part `type` names onto these; messages.ts reads a part by its kind.
 */
export type PartKind = 'text' | 'reasoning' | 'tool_call' | 'tool_result';

/** A vendor's part `type` names → their kind. */
export type PartTable = Readonly<Record<string, PartKind>>;
