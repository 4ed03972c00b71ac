import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { CairnError } from '@cairn/schemas';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/**
 * The body as its `Content-Encoding` (identity, gzip or deflate) decodes, inflated on libuv's
 * pool and capped at `maxBytes` so a small compressed body cannot expand without bound.
 * @throws CairnError `CAIRN_BAD_ENCODING` (unknown encoding, corrupt data) / `CAIRN_PAYLOAD_TOO_LARGE`.
 */
export async function decompress(
  contentEncoding: string | string[] | undefined,
  body: Buffer,
  maxBytes: number,
): Promise<Buffer> {
  const encoding = String(contentEncoding ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip' && encoding !== 'deflate') {
    throw new CairnError('CAIRN_BAD_ENCODING', `unsupported Content-Encoding "${encoding}" (use gzip or none)`);
  }
  try {
    const opts = { maxOutputLength: maxBytes };
    return encoding === 'gzip' ? await gunzipAsync(body, opts) : await inflateAsync(body, opts);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CairnError('CAIRN_PAYLOAD_TOO_LARGE', `decompressed body exceeds ${maxBytes} bytes`);
    }
    throw new CairnError('CAIRN_BAD_ENCODING', `body is not valid ${encoding} data`, { cause: err });
  }
}
