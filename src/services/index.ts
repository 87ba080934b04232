/** The public service and recovery API; src/index.ts re-exports it. */
export { postgres, type PostgresServiceOptions, type LocalPostgresOptions } from './postgres.js'
export { http, type HttpServiceOptions } from './http.js'
export { tcp, type TcpServiceOptions } from './tcp.js'
export { webdriver, type WebDriverServiceOptions } from './webdriver.js'
export { service, type CustomServiceOptions } from './custom.js'
export type { StartOptions } from './process-lifecycle.js'
export { command, type CommandOptions } from '../recoveries/command.js'
export { compose, type ComposeOptions } from '../recoveries/compose.js'
export { recover, type RecoverOptions } from '../recoveries/recover.js'
export { pgCtl, type PgCtlOptions } from '../recoveries/pg-ctl.js'
export { pgTerminateIdle, type PgTerminateIdleOptions } from '../recoveries/pg-terminate-idle.js'
export { recoverService, type RecoverServiceOptions, type RecoverServiceResult } from './recover-service.js'
export { waitUntilHealthy, type WaitOptions, type WaitResult } from './wait.js'
export type { Clock } from './clock.js'
export {
  isRecoveryDescriptor,
  isServiceDescriptor,
  type CommonServiceOptions,
  type OwnedLifecycle,
  type Recovery,
  type RecoveryContext,
  type RecoveryDescriptor,
  type ResolveContext,
  type Service,
  type ServiceDescriptor,
} from './types.js'
