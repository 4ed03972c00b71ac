import type { FastifyInstance } from 'fastify';
import type { Collector } from '@cairn/collector';
import { pingStore, type Store } from '@cairn/storage';

/**
 * Liveness and readiness of one Cairn process, shared by every role it runs.
 *
 * - `/healthz` (liveness) answers 503 until every role of the process listens, then 200 until
 *   it stops: `cairn start` is not "healthy" while its API port still refuses connections.
 * - `/readyz` (readiness) answers 200 when storage answers a query, the collector's spool is
 *   draining (nothing queued, or the last insert succeeded) and its OTLP/gRPC port (when on)
 *   listens; 503 otherwise, with the reason.
 *   A load balancer sends traffic only to ready collectors; an orchestrator restarts only
 *   processes that are not live.
 */
export interface Probes {
  /** Every role listens: /healthz turns 200. */
  markStarted(): void;
  /** Shutting down: /healthz and /readyz turn 503 so load balancers stop sending. */
  markStopping(): void;
  /** Adds the hook and the routes to one role's server (before it listens). */
  install(app: FastifyInstance): void;
  readiness(): Promise<Readiness>;
}

export interface Readiness {
  ready: boolean;
  storage: 'ok' | string;
  /** Absent in a process without a collector. */
  spool?: { draining: boolean; queued_rows: number; bytes: number };
  /** The collector's OTLP/gRPC receiver; absent when it is off (CAIRN_OTLP_GRPC_PORT=off) or there is no collector. */
  grpc?: { listening: boolean; port: number | null };
}

export interface ProbeDeps {
  store: Store;
  /** The collector of this process, once built. */
  collector: () => Collector | undefined;
  /** The collector serves OTLP/gRPC too: not ready until it listens. */
  grpc?: boolean;
  /** How long a storage check may take (default 2 s). */
  storageTimeoutMs?: number;
}

export function createProbes(deps: ProbeDeps): Probes {
  let state: 'starting' | 'started' | 'stopping' = 'starting';
  // The writer's outcome as of the previous probe: draining while inserts succeed.
  let lastWritten = 0;
  let lastFailures = 0;
  let failing = false;

  async function storageCheck(): Promise<'ok' | string> {
    const timeoutMs = deps.storageTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        pingStore(deps.store),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return 'ok';
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
    }
  }

  function spoolState(c: Collector): NonNullable<Readiness['spool']> {
    const written = c.metrics.batchesWritten.get();
    const failures = c.metrics.batchFailures.get();
    if (written > lastWritten) failing = false;
    else if (failures > lastFailures) failing = true;
    lastWritten = written;
    lastFailures = failures;
    const queued = c.writer.backlog;
    return { draining: queued === 0 || !failing, queued_rows: queued, bytes: c.spool?.bytes ?? 0 };
  }

  const probes: Probes = {
    markStarted() {
      if (state === 'starting') state = 'started';
    },
    markStopping() {
      state = 'stopping';
    },
    async readiness() {
      const storage = await storageCheck();
      const c = deps.collector();
      const spool = c ? spoolState(c) : undefined;
      const grpc = c && deps.grpc ? { listening: c.grpc.listening, port: c.grpc.port ?? null } : undefined;
      return {
        ready: state === 'started' && storage === 'ok' && (spool?.draining ?? true) && (grpc?.listening ?? true),
        storage,
        ...(spool ? { spool } : {}),
        ...(grpc ? { grpc } : {}),
      };
    },
    install(app) {
      // A hook rather than a second route: the collector and the API declare their own /healthz
      // (with their details), and this gate holds for all of them.
      app.addHook('onRequest', async (req, reply) => {
        if (state !== 'started' && req.url.split('?')[0] === '/healthz') {
          return reply.code(503).send({ status: state });
        }
      });
      app.get('/readyz', async (_req, reply) => {
        const r = await probes.readiness();
        return reply
          .code(r.ready ? 200 : 503)
          .send({ status: r.ready ? 'ready' : state === 'started' ? 'not ready' : state, ...r });
      });
    },
  };
  return probes;
}
