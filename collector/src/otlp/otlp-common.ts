import type { AttrValue, Attributes } from './decoded.js';

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** Lower-case hex of `buf[start, end)`. */
export function bytesToHex(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[buf[i] as number] as string;
  return s;
}

/**
 * Sets an attribute, keeping a hostile `__proto__` key an own property instead of letting it
 * replace the object's prototype.
 */
export function setAttr(into: Attributes, key: string, value: AttrValue): void {
  if (key === '__proto__') {
    Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    into[key] = value;
  }
}
