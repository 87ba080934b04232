/**
 * The history's schema, as versioned migrations: the same SQL runs on PGlite (the embedded default)
 * and on a shared PostgreSQL, so a team can move from one to the other without a second schema.
 * PostgreSQL keeps the statistics itself: a trigger updates `error_patterns` on every recovery
 * recorded, and `recovery_success_rates` is a view, so no writer can get them out of step.
 */
import { BUILTIN_RULES, clientKindOf } from '../core/rules.js'
import type { Rule } from '../core/types.js'
import { PROBE_DOWN_PATTERN } from './events.js'

export interface Migration {
  version: number
  name: string
  sql: string
}

/** Append only: a migration once released is never edited (databases out there already ran it). */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'patterns, history, runs, failures, success rates',
    sql: `
create table error_patterns (
  id serial primary key,
  pattern_name text not null unique,
  error_signature text not null,
  service_kind text,
  verdict text,
  category text,
  recovery_strategies jsonb not null default '[]'::jsonb,
  success_rate double precision not null default 0,
  total_attempts integer not null default 0,
  successful_attempts integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table runs (
  run_id text primary key,
  started_at timestamptz not null,
  ended_at timestamptz not null,
  outcome text not null,
  total integer not null,
  passed integer not null,
  healed integer not null,
  flaky integer not null,
  failed integer not null,
  test_bug integer not null,
  infra integer not null,
  skipped integer not null,
  vitest_version text,
  ci_provider text,
  ci_job text,
  ci_commit text,
  recorded_at timestamptz not null default now()
);
create index runs_started_at on runs (started_at);

create table error_recovery_history (
  id bigserial primary key,
  event_id text not null unique,
  pattern_id integer references error_patterns (id),
  run_id text not null,
  service text not null,
  service_kind text,
  error_type text not null,
  error_message text,
  strategy_used text not null,
  success boolean not null,
  retry_count integer not null default 0,
  duration_ms integer not null,
  context jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index error_recovery_history_run on error_recovery_history (run_id);
create index error_recovery_history_pattern on error_recovery_history (pattern_id, strategy_used);
create index error_recovery_history_created_at on error_recovery_history (created_at);
create index error_recovery_history_duration on error_recovery_history (duration_ms desc);

create table test_failures (
  id bigserial primary key,
  event_id text not null unique,
  run_id text not null,
  test_key text not null,
  project text,
  file text not null,
  name text not null,
  test_index integer not null default 0,
  "where" text not null,
  outcome text not null,
  verdict text,
  rule text,
  service text,
  error_name text,
  error_code text,
  error_message text,
  attempt integer not null,
  pass integer not null,
  created_at timestamptz not null
);
create index test_failures_run on test_failures (run_id);
create index test_failures_test on test_failures (test_key, outcome);
create index test_failures_created_at on test_failures (created_at);

create view recovery_success_rates as
select p.pattern_name,
       h.pattern_id,
       h.strategy_used,
       count(*)::integer as attempts,
       (count(*) filter (where h.success))::integer as successes,
       round((count(*) filter (where h.success))::numeric / count(*), 4)::double precision as success_rate,
       max(h.created_at) as last_used
  from error_recovery_history h
  join error_patterns p on p.id = h.pattern_id
 group by p.pattern_name, h.pattern_id, h.strategy_used;

-- Once per statement, from the rows it really inserted (an event re-sent hits on conflict do nothing
-- and is not among them): one update per pattern per batch, not one per row (a row trigger updating
-- the same pattern row thousands of times in one transaction grows slower with every update).
create function heal_count_recoveries() returns trigger language plpgsql as $$
begin
  update error_patterns p
     set total_attempts = p.total_attempts + n.attempts,
         successful_attempts = p.successful_attempts + n.successes,
         success_rate = (p.successful_attempts + n.successes)::double precision / (p.total_attempts + n.attempts),
         updated_at = now()
    from (select pattern_id, count(*)::integer as attempts, (count(*) filter (where success))::integer as successes
            from inserted
           where pattern_id is not null
           group by pattern_id) n
   where p.id = n.pattern_id;
  return null;
end
$$;

create trigger error_recovery_history_stats
  after insert on error_recovery_history
  referencing new table as inserted
  for each statement execute function heal_count_recoveries();
`,
  },
]

/** Where the versions applied are kept (created before any migration, outside the versions). */
export const VERSION_TABLE_SQL = `create table if not exists heal_schema_migrations (
  version integer primary key,
  name text not null,
  applied_at timestamptz not null default now()
)`

/** Serialises migrators: two CI machines opening a fresh shared store at once must not both create it. */
export const MIGRATION_LOCK_KEY = 726_371_001

export interface SeedPattern {
  pattern_name: string
  error_signature: string
  service_kind: string | null
  verdict: string | null
  category: string | null
  recovery_strategies: string[]
}

/**
 * Strategies per seed category, in the configured order the learning later re-orders: the ids
 * recoveries and vitest-heal/selenium already record (src/recoveries, src/selenium/strategies.ts).
 */
const STRATEGIES: Readonly<Record<string, string[]>> = {
  element_not_found: ['wait-for-element', 'relocate-stale', 'scroll-into-view'],
  timeout: ['double-timeout', 'retry'],
  page_load_failure: ['heal-app-and-reload', 'restart'],
  action_execution_failure: ['wait-for-overlay', 'wait-until-interactable', 'scroll-into-view'],
  network_error: ['wait-for-network', 'restart'],
  // Nothing of ours gets past a bot-protection page: reported as infra, never retried into a loop.
  security_challenge: ['report'],
  database_unavailable: ['pg_ctl', 'restart', 'command'],
  session_lost: ['restart'],
}

/** The six patterns of the browser-era design this project started from, by their own names. */
const BROWSER_ERA: readonly SeedPattern[] = [
  browserEra('element_not_found', 'NoSuchElementError | StaleElementReferenceError', 'webdriver'),
  browserEra('timeout', 'TimeoutError | ScriptTimeoutError | Test timed out', null),
  browserEra(
    'page_load_failure',
    'net::ERR_CONNECTION_REFUSED | ERR_NAME_NOT_RESOLVED | ERR_TIMED_OUT',
    'http',
  ),
  browserEra(
    'action_execution_failure',
    'ElementClickInterceptedError | ElementNotInteractableError',
    'webdriver',
  ),
  browserEra('network_error', 'net::ERR_INTERNET_DISCONNECTED | ECONNREFUSED | ECONNRESET', null),
  browserEra('security_challenge', 'Cloudflare | CAPTCHA | security check page', null),
]

function browserEra(category: string, signature: string, kind: string | null): SeedPattern {
  return {
    pattern_name: category,
    error_signature: signature,
    service_kind: kind,
    verdict: 'infra',
    category,
    recovery_strategies: STRATEGIES[category] ?? [],
  }
}

function describeWhen(rule: Rule): string {
  return Object.entries(rule.when)
    .map(
      ([field, matcher]) =>
        `${field} ${matcher instanceof RegExp ? String(matcher) : JSON.stringify(matcher)}`,
    )
    .join(' and ')
}

/** The catalogue's rules (alternative shapes of one id joined), the browser-era six and `probe.down`. */
export function seedPatterns(rules: readonly Rule[] = BUILTIN_RULES): SeedPattern[] {
  const byId = new Map<string, SeedPattern>()
  for (const rule of rules) {
    const existing = byId.get(rule.id)
    if (existing) {
      existing.error_signature += `; or ${describeWhen(rule)}`
      continue
    }
    byId.set(rule.id, {
      pattern_name: rule.id,
      error_signature: describeWhen(rule),
      service_kind: rule.service ?? clientKindOf(rule) ?? null,
      verdict: rule.kind,
      category: rule.category ?? null,
      recovery_strategies: rule.kind === 'infra' ? (STRATEGIES[rule.category ?? ''] ?? ['restart']) : [],
    })
  }
  const seeds = [...byId.values()]
  for (const pattern of BROWSER_ERA) if (!byId.has(pattern.pattern_name)) seeds.push(pattern)
  seeds.push({
    pattern_name: PROBE_DOWN_PATTERN,
    error_signature: 'a health probe found the service down (no failing test asked)',
    service_kind: null,
    verdict: 'infra',
    category: 'service_down',
    recovery_strategies: ['restart'],
  })
  return seeds
}
