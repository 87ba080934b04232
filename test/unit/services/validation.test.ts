import { describe, expect, it } from 'vitest'
import { HealConfigError } from '../../../src/errors.js'
import {
  command,
  compose,
  http,
  pgTerminateIdle,
  postgres,
  recover,
  service,
  tcp,
  webdriver,
} from '../../../src/services/index.js'
import type { ServiceDescriptor } from '../../../src/services/types.js'

const ctx = { name: 'db', key: 'services.db' }

function configError(descriptor: ServiceDescriptor): HealConfigError {
  try {
    descriptor.resolve(ctx)
  } catch (error) {
    expect(error).toBeInstanceOf(HealConfigError)
    return error as HealConfigError
  }
  throw new Error('resolve() accepted the options')
}

// Options typed loosely on purpose: these are the mistakes a JavaScript config can make.
const loose = (value: unknown) => value as never

describe('service options are validated at config time, naming the key', () => {
  const cases: Array<[string, ServiceDescriptor, string, string]> = [
    [
      'postgres url not a string',
      postgres(loose({ url: 42 })),
      'services.db.url',
      'expected a postgres:// URL, got 42',
    ],
    [
      'postgres url of another scheme',
      postgres({ url: 'mysql://h/db' }),
      'services.db.url',
      'expected a postgres:// URL, got "mysql://h/db"',
    ],
    [
      'postgres with neither url nor local',
      postgres({}),
      'services.db.url',
      'expected a postgres:// URL (or local: true), got undefined',
    ],
    [
      'postgres with both url and local',
      postgres({ url: 'postgres://h/db', local: true }),
      'services.db.url',
      'expected no url when local is set',
    ],
    [
      'postgres local of a wrong type',
      postgres(loose({ local: 'yes' })),
      'services.db.local',
      'expected true or an options object',
    ],
    [
      'postgres local port out of range',
      postgres({ local: { port: 70_000 } }),
      'services.db.local.port',
      'expected a port number from 1 to 65535, got 70000',
    ],
    [
      'postgres unknown local option',
      postgres(loose({ local: { dir: '/x' } })),
      'services.db.local.dir',
      'expected a known option (binDir, port, settings)',
    ],
    [
      'negative startTimeout',
      postgres({ url: 'postgres://h/db', startTimeout: -1 }),
      'services.db.startTimeout',
      'expected a positive number of milliseconds, got -1',
    ],
    [
      'NaN checkTimeout',
      postgres({ url: 'postgres://h/db', checkTimeout: Number.NaN }),
      'services.db.checkTimeout',
      'got NaN',
    ],
    [
      'negative connectTimeout',
      postgres({ url: 'postgres://h/db', connectTimeout: -5 }),
      'services.db.connectTimeout',
      'got -5',
    ],
    [
      'unknown option',
      postgres(loose({ url: 'postgres://h/db', retries: 3 })),
      'services.db.retries',
      'expected a known option (url, local, database, connectTimeout, recover, startTimeout',
    ],
    [
      'env not a variable name',
      postgres({ url: 'postgres://h/db', env: 'DATABASE URL' }),
      'services.db.env',
      'expected an environment variable name such as DATABASE_URL, got "DATABASE URL"',
    ],
    [
      'required not a boolean',
      postgres(loose({ url: 'postgres://h/db', required: 'yes' })),
      'services.db.required',
      'expected true or false',
    ],
    [
      'tests not globs',
      postgres(loose({ url: 'postgres://h/db', tests: ['a/**', ''] })),
      'services.db.tests[1]',
      'expected a glob string',
    ],
    [
      'recover not an array',
      postgres(loose({ url: 'postgres://h/db', recover: command(['true']) })),
      'services.db.recover',
      'expected an array of recoveries',
    ],
    [
      'recover item not a recovery',
      postgres(loose({ url: 'postgres://h/db', recover: [['pg_ctl', 'start']] })),
      'services.db.recover[0]',
      'expected a recovery from command(), compose() or recover(), got an array of 2',
    ],
    [
      'options not an object',
      postgres(loose('postgres://h/db')),
      'services.db',
      'expected an options object',
    ],
    [
      'http url not http',
      http({ url: 'ftp://h/x' }),
      'services.db.url',
      'expected an http:// or https:// URL, got "ftp://h/x"',
    ],
    [
      'http status not statuses',
      http(loose({ url: 'http://127.0.0.1:3000', status: [200, 'ok'] })),
      'services.db.status',
      'expected a non-empty array of HTTP statuses',
    ],
    [
      'http empty start argv',
      http({ url: 'http://127.0.0.1:3000', start: [] }),
      'services.db.start',
      'expected a non-empty argv array',
    ],
    [
      'http start argv item not a string',
      http(loose({ url: 'http://127.0.0.1:3000', start: ['node', 3] })),
      'services.db.start[1]',
      'expected a string, got 3',
    ],
    [
      'http startEnv value not a string',
      http(loose({ url: 'http://127.0.0.1:3000', start: ['node'], startEnv: { PORT: 3000 } })),
      'services.db.startEnv.PORT',
      'expected a string, got 3000',
    ],
    [
      'tcp url without a port',
      tcp({ url: 'tcp://127.0.0.1' }),
      'services.db.url',
      'expected a URL with a port, such as tcp://127.0.0.1:6379, got "tcp://127.0.0.1"',
    ],
    ['tcp without host', tcp(loose({ port: 6379 })), 'services.db.host', 'expected a host name or address'],
    [
      'tcp port not a port',
      tcp({ host: '127.0.0.1', port: 0 }),
      'services.db.port',
      'expected a port number from 1 to 65535, got 0',
    ],
    [
      'webdriver bad url',
      webdriver({ url: 'not a url' }),
      'services.db.url',
      'expected an http:// URL of a WebDriver server',
    ],
    [
      'service without check',
      service(loose({})),
      'services.db.check',
      'expected an async function, got undefined',
    ],
    [
      'command with empty argv',
      postgres({ url: 'postgres://h/db', recover: [command([])] }),
      'services.db.recover[0]',
      'expected a non-empty argv array',
    ],
    [
      'command with empty program',
      postgres({ url: 'postgres://h/db', recover: [command([''])] }),
      'services.db.recover[0][0]',
      'expected a command name',
    ],
    [
      'command argv item not a string',
      postgres({ url: 'postgres://h/db', recover: [command(loose(['pg_ctl', null]))] }),
      'services.db.recover[0][1]',
      'expected a string, got null',
    ],
    [
      'command negative timeout',
      postgres({ url: 'postgres://h/db', recover: [command(['true'], { timeout: -1 })] }),
      'services.db.recover[0].timeout',
      'got -1',
    ],
    [
      'command unknown option',
      postgres({ url: 'postgres://h/db', recover: [command(['true'], loose({ shell: true }))] }),
      'services.db.recover[0].shell',
      'expected a known option (timeout, cwd, env)',
    ],
    [
      'compose without a service name',
      postgres({ url: 'postgres://h/db', recover: [compose('')] }),
      'services.db.recover[0]',
      'expected a docker compose service name',
    ],
    [
      'compose with an option-like name',
      postgres({ url: 'postgres://h/db', recover: [compose('--rm')] }),
      'services.db.recover[0]',
      'expected a docker compose service name, got "--rm"',
    ],
    [
      'recover without a function',
      postgres({ url: 'postgres://h/db', recover: [recover(loose('restart'))] }),
      'services.db.recover[0]',
      'expected an async function',
    ],
    [
      'recover zero timeout',
      postgres({ url: 'postgres://h/db', recover: [recover(async () => {}, { timeout: 0 })] }),
      'services.db.recover[0].timeout',
      'got 0',
    ],
    [
      'pgTerminateIdle with a URL that is not postgres',
      postgres({ url: 'postgres://h/db', recover: [pgTerminateIdle({ url: 'http://h/' })] }),
      'services.db.recover[0].url',
      'expected a postgres:// URL',
    ],
    [
      'pgTerminateIdle with an unknown option',
      postgres({ url: 'postgres://h/db', recover: [pgTerminateIdle(loose({ idle: 5 }))] }),
      'services.db.recover[0].idle',
      'expected a known option',
    ],
  ]

  it.each(cases)('%s', (_, descriptor, key, message) => {
    const error = configError(descriptor)
    expect(error.key).toBe(key)
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain(`vitest-heal: ${key}: `)
    expect(error.message).toContain(message)
  })

  it('never shows a password from a bad URL', () => {
    const error = configError(postgres({ url: 'mysql://admin:hunter2@db.internal/app' }))
    expect(error.message).not.toContain('hunter2')
    expect(error.message).toContain('admin:***@')
  })
})

describe('well-formed options resolve to a service', () => {
  it('postgres: target redacted, url kept for env, ref for the classifier, defaults', () => {
    const db = postgres({ url: 'postgres://app:s3cret@127.0.0.1:5544/shop', env: 'DATABASE_URL' }).resolve(
      ctx,
    )
    expect(db.target()).toBe('postgres://app:***@127.0.0.1:5544/shop')
    expect(db.url()).toBe('postgres://app:s3cret@127.0.0.1:5544/shop')
    expect(db.ref()).toMatchObject({ name: 'db', kind: 'postgres', host: '127.0.0.1', port: 5544 })
    expect(db).toMatchObject({
      env: 'DATABASE_URL',
      required: true,
      startTimeoutMs: 30_000,
      checkTimeoutMs: 2_000,
    })
    expect(db.owned).toBeUndefined()
  })

  it('postgres: database overrides the URL path; the default port is 5432', () => {
    const db = postgres({ url: 'postgresql://h/one', database: 'two' }).resolve(ctx)
    expect(db.url()).toBe('postgresql://h/two')
    expect(db.ref().port).toBe(5432)
  })

  it('an owned service gets the restart recovery first, then the user list in order', () => {
    const app = http({
      url: 'http://127.0.0.1:3000/health',
      start: ['node', 'server.js'],
      recover: [
        command(['systemctl', 'restart', 'app'], { timeout: 5_000 }),
        compose('app', { file: 'dc.yml', projectName: 'p' }),
      ],
    }).resolve({ name: 'app', key: 'services.app' })
    expect(app.recoveries.map((r) => [r.strategy, r.description, r.key, r.timeoutMs])).toEqual([
      ['restart', 'restart node server.js', 'services.app.start', 20_000],
      ['command:systemctl', 'systemctl restart app', 'services.app.recover[0]', 5_000],
      ['compose:app', 'docker compose -f dc.yml -p p up -d app', 'services.app.recover[1]', 60_000],
    ])
    expect(app.owned?.isRunning()).toBe(false)
  })

  it('a relief (pgTerminateIdle) is kept apart from the recoveries of an outage', () => {
    const db = postgres({ url: 'postgres://h/db', recover: [pgTerminateIdle(), command(['true'])] }).resolve(
      ctx,
    )
    expect(db.recoveries.map((r) => r.strategy)).toEqual(['command:true'])
    expect(db.reliefs?.map((r) => [r.strategy, r.relieves])).toEqual([['pg_terminate_idle', 'saturation']])
  })

  it('postgres({ local: true }) is owned, with no URL until started', () => {
    const db = postgres({ local: true, env: 'DATABASE_URL' }).resolve(ctx)
    expect(db.owned).toBeDefined()
    expect(db.url()).toBeUndefined()
    expect(db.target()).toBe('local PostgreSQL (not started)')
    expect(db.recoveries[0]?.strategy).toBe('restart')
  })

  it('tcp from host and port, or from a URL with a port', () => {
    expect(tcp({ host: '127.0.0.1', port: 6379 }).resolve(ctx).ref()).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
    })
    expect(tcp({ url: 'redis://:pw@[::1]:6380' }).resolve(ctx).target()).toBe('redis://:***@[::1]:6380')
  })
})
