/**
 * One color per agent, the same in every view: a string hash into a fixed palette chosen to be
 * readable on both themes. FNV-1a keeps it stable across reloads and machines.
 */
const PALETTE = [
  '#4e9af1',
  '#e8833a',
  '#3fb97f',
  '#c678dd',
  '#e5c07b',
  '#56b6c2',
  '#e06c75',
  '#98c379',
  '#d19a66',
  '#7f8cf5',
  '#f06292',
  '#4db6ac',
];

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function agentColor(agent: string): string {
  if (!agent) return '#8a8f98';
  return PALETTE[hashString(agent) % PALETTE.length]!;
}

export const MARK = { error: '#e5484d', escalation: '#f5a524', limit: '#a371f7', state: '#8a8f98' } as const;
