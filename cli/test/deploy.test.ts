import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { isSetting, SETTINGS } from '../src/config.js';

// The deployment files are checked against the CLI's own settings list (cli/src/config.ts):
// every environment variable they set is one Cairn reads, every role listens on the port its
// setting names, and the probes hit the health routes. Neither `helm` nor a Kubernetes schema
// validator installs from npm or Debian here, so the chart's templates are written in a small
// subset of Go templates (values, `quote`, if/else/end) that `render` below implements — and
// rejects anything else, so the chart cannot drift into what this test would not check.
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const ROLES = { collector: 'CAIRN_OTLP_PORT', api: 'CAIRN_HTTP_PORT', worker: 'CAIRN_WORKER_PORT' } as const;
type Role = keyof typeof ROLES;
const COMMANDS = new Set(['collector', 'api', 'worker', 'migrate']);
const defaultOf = (name: string): string => SETTINGS.find((s) => s.name === name)!.default;

type Doc = Record<string, any>;

function lookup(ctx: Doc, path: string): unknown {
  if (!path.startsWith('.')) throw new Error(`template: unsupported expression "${path}"`);
  let v: unknown = ctx;
  for (const part of path.slice(1).split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Doc)[part];
  }
  return v;
}

/** Renders `{{ .Values.a.b }}`, `{{ … | quote }}`, `{{ .Release.Name }}`, `if [not] …`/`else`/`end`, with `{{-`/`-}}` trimming. */
export function render(template: string, values: Doc, release = 'test'): string {
  const ctx = { Values: values, Release: { Name: release } };
  const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== false && v !== '' && v !== 0;
  let out = '';
  const stack: { on: boolean }[] = [];
  const on = (): boolean => stack.every((s) => s.on);
  const re = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/g;
  let at = 0;
  let trimNext = false;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    let text = template.slice(at, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    if (on()) out += text;
    trimNext = m[3] === '-';
    at = m.index + m[0].length;
    const expr = m[2]!;
    let cond: RegExpExecArray | null;
    if ((cond = /^if (not )?(\S+)$/.exec(expr))) {
      const v = truthy(lookup(ctx, cond[2]!));
      stack.push({ on: cond[1] ? !v : v });
    } else if (expr === 'else') {
      const top = stack[stack.length - 1];
      if (!top) throw new Error('template: else without if');
      top.on = !top.on;
    } else if (expr === 'end') {
      if (!stack.pop()) throw new Error('template: end without if');
    } else {
      const [path, ...pipes] = expr.split('|').map((s) => s.trim());
      let v: unknown = lookup(ctx, path!);
      if (v === undefined) throw new Error(`template: ${path} is not set`);
      for (const p of pipes) {
        if (p === 'quote') v = JSON.stringify(String(v));
        else throw new Error(`template: unsupported function "${p}"`);
      }
      if (on()) out += String(v);
    }
  }
  if (stack.length) throw new Error('template: if without end');
  let rest = template.slice(at);
  if (trimNext) rest = rest.replace(/^\s+/, '');
  return out + rest;
}

const CHART = `${DEPLOY}helm/cairn/`;
const chartValues = (): Doc => parse(readFileSync(`${CHART}values.yaml`, 'utf8')) as Doc;

function renderChart(values: Doc): Doc[] {
  return readdirSync(`${CHART}templates`)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(render(readFileSync(`${CHART}templates/${f}`, 'utf8'), values)).map((d) => {
        if (d.errors.length) throw new Error(`${f}: ${d.errors.map((e) => e.message).join('; ')}`);
        return d.toJS() as Doc;
      }),
    )
    .filter((d) => d !== null);
}

/** Environment of a container or compose service as name → value. */
function envOf(env: unknown): Map<string, string> {
  if (Array.isArray(env)) return new Map(env.map((e: Doc) => [e.name as string, String(e.value ?? '')]));
  return new Map(Object.entries((env ?? {}) as Doc).map(([k, v]) => [k, String(v)]));
}

function expectOnlySettings(where: string, names: Iterable<string>): void {
  for (const n of names) expect(isSetting(n), `${where} sets ${n}, which Cairn does not read`).toBe(true);
}

describe('the Dockerfile', () => {
  const text = readFileSync(`${DEPLOY}Dockerfile`, 'utf8');
  const stages = [...text.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => ({ from: m[1]!, name: m[2]! }));
  const stage = (name: string): string => {
    const start = text.indexOf(`AS ${name}\n`);
    const next = text.indexOf('\nFROM ', start);
    return text.slice(start, next < 0 ? undefined : next);
  };

  it('builds in one stage and runs in server and embedded targets, as a non-root user, chDB only in embedded', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime', 'server', 'embedded']);
    for (const target of ['server', 'embedded']) {
      expect(stages.find((s) => s.name === target)!.from).toBe('runtime');
      expect(stage(target)).toMatch(/^USER node$/m);
    }
    expect(stage('server')).toMatch(/rm -rf \/app\/node_modules\/chdb \/app\/node_modules\/@chdb\n/);
    expect(stage('embedded')).not.toMatch(/chdb/);
    expect(stage('runtime')).toMatch(/COPY --from=build \/app\/storage\/migrations/);
    expect(stage('runtime')).toMatch(/ENTRYPOINT \["node", "\/app\/cli\/bin\/cairn\.js"\]/);
  });

  it('installs and copies every workspace the CLI loads at run time (its package.json, then its dist)', () => {
    const REPO = fileURLToPath(new URL('../../', import.meta.url));
    const manifest = (dir: string): Doc => JSON.parse(readFileSync(`${REPO}${dir}/package.json`, 'utf8'));
    const dirOf = new Map<string, string>(
      (manifest('.').workspaces as string[]).map((dir) => [manifest(dir).name as string, dir]),
    );
    const needed = new Set<string>();
    const visit = (dir: string): void => {
      for (const dep of Object.keys(manifest(dir).dependencies ?? {})) {
        const d = dirOf.get(dep);
        if (d !== undefined && !needed.has(d)) {
          needed.add(d);
          visit(d);
        }
      }
    };
    visit('cli');
    expect(needed.has('alerts') && needed.has('ingest-api')).toBe(true);
    for (const dir of needed) {
      expect(stage('build'), dir).toContain(`COPY ${dir}/package.json ${dir}/\n`);
      expect(stage('runtime'), dir).toContain(`COPY --from=build /app/${dir}/dist ${dir}/dist\n`);
    }
  });

  it('exposes the default ports of the three roles (and OTLP/gRPC) and sets only settings Cairn reads', () => {
    const expose = /^EXPOSE (.+)$/m.exec(text)![1]!.split(/\s+/).sort();
    expect(expose).toEqual([...Object.values(ROLES), 'CAIRN_OTLP_GRPC_PORT'].map(defaultOf).sort());
    const env = [...text.matchAll(/^\s*(?:ENV )?((?:CAIRN|CLICKHOUSE)_\w+)=/gm)].map((m) => m[1]!);
    expect(env.length).toBeGreaterThan(2);
    expectOnlySettings('Dockerfile', env);
  });
});

function checkComposeRole(file: string, name: string, svc: Doc): { role: string; spool?: string } {
  const command = (svc.command as string[])[0] ?? '';
  expect(COMMANDS.has(command), `${file} ${name}: command ${command}`).toBe(true);
  expect(svc.image, `${file} ${name}`).toBe('cairn:server');
  expect(svc.build?.target, `${file} ${name}`).toBe('server');
  const env = envOf(svc.environment);
  expectOnlySettings(`${file} ${name}`, env.keys());
  expect(env.get('CLICKHOUSE_URL'), `${file} ${name}`).toMatch(/^http:\/\/[\w-]+:8123$/);
  if (command === 'migrate') {
    expect(env.get('CAIRN_MIGRATE')).toBe('1');
    return { role: command };
  }
  expect(env.get('CAIRN_MIGRATE'), `${file} ${name}: only migrate changes the schema`).toBe('0');
  expect(env.get('CAIRN_HOST')).toBe('0.0.0.0');
  const port = env.get(ROLES[command as Role])!;
  expect(port, `${file} ${name}: ${ROLES[command as Role]}`).toBeDefined();
  expect(svc.healthcheck.test.join(' '), `${file} ${name}`).toContain(`http://127.0.0.1:${port}/readyz`);
  // A collector publishes its OTLP/gRPC port too.
  const grpc = command === 'collector' ? env.get('CAIRN_OTLP_GRPC_PORT') : undefined;
  if (command === 'collector') expect(grpc, `${file} ${name}: CAIRN_OTLP_GRPC_PORT`).toBe(defaultOf('CAIRN_OTLP_GRPC_PORT'));
  for (const p of (svc.ports ?? []) as string[]) expect([port, grpc], `${file} ${name}`).toContain(p.split(':').pop());
  // The drain must finish before compose's SIGKILL.
  expect(Number.parseInt(svc.stop_grace_period as string, 10) * 1000).toBeGreaterThan(
    Number(env.get('CAIRN_SHUTDOWN_TIMEOUT_MS')),
  );
  if (command !== 'collector') return { role: command };
  const spool = env.get('CAIRN_SPOOL_DIR')!;
  const mount = ((svc.volumes ?? []) as string[]).find((v) => v.split(':')[1] === spool);
  expect(mount, `${file} ${name}: a volume at the spool directory ${spool}`).toBeDefined();
  return { role: command, spool: mount!.split(':')[0]! };
}

function loadCompose(file: string): Doc {
  return parse(readFileSync(`${DEPLOY}${file}`, 'utf8'), { merge: true }) as Doc;
}

const cairnServices = (c: Doc): [string, Doc][] =>
  Object.entries(c.services as Doc).filter(([, s]) => (s as Doc).image === 'cairn:server') as [string, Doc][];

describe('docker-compose.yml', () => {
  it('runs ClickHouse, migrate once, then collector, api and worker with their ports, probes and a spool volume', () => {
    const c = loadCompose('docker-compose.yml');
    expect(c.services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
    const roles = cairnServices(c).map(([name, svc]) => checkComposeRole('docker-compose.yml', name, svc));
    expect(roles.map((r) => r.role).sort()).toEqual(['api', 'collector', 'migrate', 'worker']);
    const spool = roles.find((r) => r.spool)!.spool!;
    expect(Object.keys(c.volumes as Doc)).toContain(spool);
    for (const [name, svc] of cairnServices(c)) {
      if (name !== 'migrate') expect(svc.depends_on.migrate.condition).toBe('service_completed_successfully');
    }
  });
});

describe('docker-compose.cluster.yml', () => {
  it('runs 2 shards × 2 replicas with Keeper, three collectors with their own spools behind a load balancer', () => {
    const c = loadCompose('docker-compose.cluster.yml');
    const services = c.services as Doc;
    const nodes = Object.entries(services).filter(([, s]) => /clickhouse-server/.test((s as Doc).image as string));
    expect(nodes.map(([, s]) => `${(s as Doc).environment.SHARD}/${(s as Doc).environment.REPLICA}`).sort()).toEqual([
      '01/ch-s1-r1',
      '01/ch-s1-r2',
      '02/ch-s2-r1',
      '02/ch-s2-r2',
    ]);
    expect(services.keeper.image).toMatch(/^clickhouse\/clickhouse-keeper:/);
    const clusterXml = readFileSync(`${DEPLOY}clickhouse/cluster.xml`, 'utf8');
    for (const [name] of nodes) expect(clusterXml).toContain(`<host>${name}</host>`);
    const cluster = /<remote_servers>\s*<(\w+)>/.exec(clusterXml)![1];

    const roles = cairnServices(c).map(([name, svc]) => ({ name, ...checkComposeRole('docker-compose.cluster.yml', name, svc) }));
    for (const [name, svc] of cairnServices(c))
      expect(envOf(svc.environment).get('CAIRN_CLICKHOUSE_CLUSTER'), name).toBe(cluster);
    const collectors = roles.filter((r) => r.role === 'collector');
    expect(collectors).toHaveLength(3);
    expect(new Set(collectors.map((r) => r.spool)).size, 'one spool volume per collector').toBe(3);
    const nginx = readFileSync(`${DEPLOY}nginx/collectors.conf`, 'utf8');
    for (const r of collectors) expect(nginx).toContain(`server ${r.name}:${defaultOf('CAIRN_OTLP_PORT')}`);
    for (const r of collectors) expect(nginx).toContain(`server ${r.name}:${defaultOf('CAIRN_OTLP_GRPC_PORT')}`);
    expect(nginx).toMatch(/grpc_pass grpc:\/\/cairn_collectors_grpc/);
    expect(services.collectors.ports).toEqual(
      ['CAIRN_OTLP_PORT', 'CAIRN_OTLP_GRPC_PORT'].map((n) => `${defaultOf(n)}:${defaultOf(n)}`),
    );
  });
});

describe('the Helm chart', () => {
  const check = (docs: Doc[], values: Doc): void => {
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.labels['app.kubernetes.io/component']).sort()).toEqual([
      'api',
      'collector',
      'worker',
    ]);
    const secretName = values.existingSecret || 'test-cairn';
    for (const d of [...deployments, ...docs.filter((x) => x.kind === 'Job')]) {
      const pod = d.spec.template.spec;
      const [ctr] = pod.containers as Doc[];
      const [command] = ctr!.args as string[];
      expect(COMMANDS.has(command!)).toBe(true);
      expect(ctr!.image).toBe(`${values.image.repository}:${values.image.tag}`);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      const env = envOf(ctr!.env);
      expectOnlySettings(`chart ${command}`, env.keys());
      expect(ctr!.envFrom[0].secretRef.name).toBe(secretName);
      if (command === 'migrate') {
        expect(d.metadata.annotations['helm.sh/hook']).toMatch(/pre-install/);
        continue;
      }
      expect(env.get('CAIRN_MIGRATE')).toBe('0');
      const port = env.get(ROLES[command as Role]);
      expect(String(ctr!.ports[0].containerPort)).toBe(port);
      expect(port).toBe(String(values[command!].port));
      expect(ctr!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(ctr!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env.get('CAIRN_SHUTDOWN_TIMEOUT_MS')));
      if (command === 'collector') {
        expect(ctr!.ports[1]).toEqual({ name: 'grpc', containerPort: values.collector.grpcPort });
        expect(env.get('CAIRN_OTLP_GRPC_PORT')).toBe(String(values.collector.grpcPort));
        const service = docs.find((x) => x.kind === 'Service' && x.metadata.name === 'test-collector')!;
        expect(service.spec.ports).toContainEqual({
          name: 'otlp-grpc',
          port: values.collector.grpcPort,
          targetPort: 'grpc',
          appProtocol: 'grpc',
        });
        const mount = (ctr!.volumeMounts as Doc[]).find((m) => m.mountPath === env.get('CAIRN_SPOOL_DIR'));
        expect(mount).toBeDefined();
        const vol = (pod.volumes as Doc[]).find((v) => v.name === mount!.name)!;
        expect(vol.ephemeral.volumeClaimTemplate.spec.resources.requests.storage).toBe(values.collector.spoolSize);
      }
    }
    const secrets = docs.filter((d) => d.kind === 'Secret');
    if (values.existingSecret) expect(secrets).toEqual([]);
    else {
      expect(secrets.map((s) => s.metadata.name)).toEqual([secretName]);
      expectOnlySettings('chart secret', Object.keys(secrets[0]!.stringData as Doc));
    }
    const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler');
    if (values.collector.autoscaling.enabled)
      expect(hpa?.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'test-collector' });
    else expect(hpa).toBeUndefined();
  };

  it('renders with the default values: three roles, a migration hook, a Secret, the collector HPA, no ClickHouse resources', () => {
    expect(parse(readFileSync(`${CHART}Chart.yaml`, 'utf8'))).toMatchObject({ apiVersion: 'v2', name: 'cairn' });
    const values = chartValues();
    const docs = renderChart(values);
    check(docs, values);
    expect(docs.filter((d) => String(d.apiVersion).startsWith('clickhouse.com/'))).toEqual([]);
  });

  it('renders with an existing Secret, no autoscaling and a cluster from the ClickHouse operator', () => {
    const values = chartValues();
    values.existingSecret = 'my-cairn-secret';
    values.collector.autoscaling.enabled = false;
    values.clickhouse.operator.enabled = true;
    values.clickhouse.cluster = 'default';
    const docs = renderChart(values);
    check(docs, values);
    const ch = docs.find((d) => d.kind === 'ClickHouseCluster')!;
    expect(ch.apiVersion).toBe('clickhouse.com/v1alpha1');
    expect(ch.spec).toMatchObject({ shards: 2, replicas: 2, keeperClusterRef: { name: 'test-keeper' } });
    expect(docs.find((d) => d.kind === 'KeeperCluster')?.metadata.name).toBe('test-keeper');
    expect(docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'test-collector')?.spec.replicas).toBe(2);
  });

  it('refuses template constructs it does not check', () => {
    expect(() => render('{{ include "x" . }}', {})).toThrow(/unsupported/);
    expect(() => render('{{ .Values.a | b64enc }}', { a: 1 })).toThrow(/unsupported function/);
    expect(() => render('{{ .Values.missing }}', {})).toThrow(/not set/);
    expect(existsSync(`${CHART}templates/_helpers.tpl`)).toBe(false);
  });
});

describe("the README's settings table", () => {
  it('lists every setting the CLI reads, and nothing else', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Settings (environment)'),
      readme.indexOf('\n## ', readme.indexOf('## Settings (environment)') + 5),
    );
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    const named = new Set(rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!)));
    expect([...named].sort()).toEqual(SETTINGS.map((s) => s.name).sort());
  });
});
