import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { bareHost, isLocalhostName, isPrivateAddress, parseWebhookUrl } from './target.js';

/** What one HTTP attempt gave: a status (null when no response came), its latency and an error. */
export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string;
  /** The target was refused (private address without the opt-in): retrying cannot help. */
  refused: boolean;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/** The function the engine posts with; tests and the CLI may swap it (e.g. to count calls). */
export type WebhookSender = (
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: SendOptions,
) => Promise<SendResult>;

class RefusedTarget extends Error {}

/**
 * A DNS lookup that refuses private answers. It runs inside the connection itself, so the
 * address checked is the address connected to: a name that resolves to a public address at
 * creation and to 127.0.0.1 later (DNS rebinding) is still refused.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  if (isLocalhostName(hostname))
    return callback(new RefusedTarget(`${hostname} is a private or loopback address (a localhost name)`), '', 4);
  dnsLookup(hostname, { all: true, verbatim: true, ...(options.family ? { family: options.family } : {}) }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad || list.length === 0) {
      return callback(
        new RefusedTarget(`${hostname} resolves to a private or loopback address (${bad?.address ?? 'none'})`),
        '',
        4,
      );
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
};

const MAX_RESPONSE_BYTES = 64 * 1024;

/** POSTs a webhook with node:http(s): no redirects followed, a hard timeout, the private-address rule. */
export const sendWebhook: WebhookSender = (rawUrl, headers, body, opts) => {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 100) / 100;
  return new Promise<SendResult>((resolve) => {
    let url: URL;
    try {
      url = parseWebhookUrl(rawUrl);
    } catch (err) {
      return resolve({ statusCode: null, latencyMs: 0, error: (err as Error).message, refused: true });
    }
    const host = bareHost(url);
    // A literal address is connected to without a lookup, so it is checked here.
    if (!opts.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
      return resolve({
        statusCode: null,
        latencyMs: 0,
        error: `refused: ${host} is a private or loopback address (CAIRN_WEBHOOK_ALLOW_PRIVATE is off)`,
        refused: true,
      });
    }
    let settled = false;
    const done = (r: Omit<SendResult, 'latencyMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, latencyMs: elapsed() });
    };
    const payload = Buffer.from(body, 'utf8');
    const options: RequestOptions = {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(payload.length),
        'user-agent': 'Cairn-Webhooks/1',
      },
      // A fresh connection per attempt: a pooled keep-alive socket would skip the lookup below,
      // so an address checked for one request could serve another.
      agent: false,
      ...(opts.allowPrivate ? {} : { lookup: publicOnlyLookup }),
    };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      let seen = 0;
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > MAX_RESPONSE_BYTES) res.destroy();
      });
      const status = res.statusCode ?? 0;
      const finish = (): void =>
        done({ statusCode: status, error: status >= 200 && status < 300 ? '' : `HTTP ${status}`, refused: false });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => {
      const refused = err instanceof RefusedTarget;
      done({
        statusCode: null,
        error: refused ? `refused: ${err.message} (CAIRN_WEBHOOK_ALLOW_PRIVATE is off)` : err.message || String(err),
        refused,
      });
    });
    req.end(payload);
  });
};
