import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { authenticateBearer, type KeyAuthenticator } from '../http/ingest-auth.js';
import type { CollectorMetrics } from '../http/metrics.js';
import { encodeExportResponseProto } from '../otlp/otlp-response.js';
import type { IngestPipeline, PipelineLog } from '../pipeline/ingest-pipeline.js';
import { RequestPhases } from '../pipeline/request-phases.js';
import { grpcStatusOf } from './status.js';

/** The OTLP trace service's one method, as raw bytes: `otlp-proto.ts` decodes the request (no proto-loader). */
const identity = (b: Buffer): Buffer => b;
export const TRACE_SERVICE: ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface GrpcReceiverDeps {
  pipeline: IngestPipeline;
  authenticate: KeyAuthenticator;
  metrics: CollectorMetrics;
  log: PipelineLog;
}

/** OTLP/gRPC on the same pipeline as OTLP/HTTP. */
export interface GrpcReceiver {
  /** Binds `host:port` (0 = a free port) and serves; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** The bound port; undefined before `listen`. */
  readonly port: number | undefined;
  /** Between a successful `listen` and `close`. */
  readonly listening: boolean;
  /** Stops accepting calls and lets the calls in flight finish (forced after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/**
 * OTLP/gRPC receiver: auth (`authorization` metadata) → backpressure → prepare → pipeline →
 * `ExportTraceServiceResponse` with partial_success. grpc-js decompresses gzip / deflate messages
 * and refuses messages over `maxMessageBytes` (before and after decompression) itself.
 */
export function createGrpcReceiver(maxMessageBytes: number, deps: GrpcReceiverDeps): GrpcReceiver {
  const { pipeline, metrics, log } = deps;
  const server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': 1024 * 1024,
  });
  server.addService(TRACE_SERVICE, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const started = performance.now();
      const answer = (code: status): void => {
        metrics.grpcRequests.inc(1, { code: status[code] });
        metrics.requestSeconds.observe((performance.now() - started) / 1000);
      };
      exportTraces(call).then(
        (response) => {
          answer(status.OK);
          callback(null, response);
        },
        (err: unknown) => {
          const s = grpcStatusOf(err);
          answer(s.code);
          if (s.code === status.INTERNAL) log.error({ err }, 'collector error (gRPC)');
          callback(s);
        },
      );
    },
  });

  async function exportTraces(call: ServerUnaryCall<Buffer, Buffer>): Promise<Buffer> {
    const header = call.metadata.get('authorization')[0];
    const projectId = await authenticateBearer(typeof header === 'string' ? header : undefined, deps.authenticate);
    // Refuse before spending CPU on a request that could not be queued anyway.
    pipeline.admit();
    // No 'receive': grpc-js hands over the whole message without saying when it arrived.
    const phases = new RequestPhases();
    const prepared = await pipeline.prepare(call.request, 'protobuf', projectId);
    phases.prepared(prepared.prepareMs);
    const result = await pipeline.accept(prepared);
    phases.lap('durable');
    phases.observe(metrics.requestPhaseSeconds);
    return Buffer.from(encodeExportResponseProto(result));
  }

  let port: number | undefined;
  let closing: Promise<void> | undefined;
  return {
    get port() {
      return port;
    },
    get listening() {
      return port !== undefined && closing === undefined;
    },
    listen(host, wanted) {
      return new Promise((resolve, reject) => {
        // An IPv6 literal needs brackets in the target, as in a URL.
        const target = host.includes(':') ? `[${host}]:${wanted}` : `${host}:${wanted}`;
        server.bindAsync(target, ServerCredentials.createInsecure(), (err, bound) => {
          if (err) return reject(err);
          port = bound;
          resolve(bound);
        });
      });
    },
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        if (port === undefined) {
          server.forceShutdown();
          return resolve();
        }
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
