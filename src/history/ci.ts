/**
 * Which CI job a run came from, read from the variables each provider sets. A recovery that works on
 * a laptop and fails on a runner is the kind of thing the history must be able to tell apart.
 */
export interface CiContext {
  /** `github`, `gitlab`, `circleci`, `buildkite`, `jenkins`, `azure`, `ci` (unknown provider), or `local`. */
  provider: string
  job?: string
  commit?: string
}

type Env = Readonly<Record<string, string | undefined>>

/** First set, non-empty value. */
function first(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]
    if (value !== undefined && value !== '') return value
  }
  return undefined
}

function context(provider: string, job: string | undefined, commit: string | undefined): CiContext {
  const ci: CiContext = { provider }
  if (job !== undefined) ci.job = job
  if (commit !== undefined) ci.commit = commit
  return ci
}

/** Early returns, most specific provider first: GitHub and GitLab also set the generic `CI`. */
export function ciContext(env: Env): CiContext {
  if (env.GITHUB_ACTIONS === 'true') {
    const job = [env.GITHUB_WORKFLOW, env.GITHUB_JOB, env.GITHUB_RUN_ID].filter(Boolean).join('/')
    return context('github', job || undefined, first(env, 'GITHUB_SHA'))
  }
  if (env.GITLAB_CI === 'true') {
    return context('gitlab', first(env, 'CI_JOB_ID', 'CI_JOB_NAME'), first(env, 'CI_COMMIT_SHA'))
  }
  if (env.CIRCLECI === 'true') {
    return context('circleci', first(env, 'CIRCLE_BUILD_NUM', 'CIRCLE_JOB'), first(env, 'CIRCLE_SHA1'))
  }
  if (env.BUILDKITE === 'true') {
    return context('buildkite', first(env, 'BUILDKITE_JOB_ID'), first(env, 'BUILDKITE_COMMIT'))
  }
  if (env.JENKINS_URL !== undefined) {
    return context('jenkins', first(env, 'BUILD_TAG', 'BUILD_NUMBER'), first(env, 'GIT_COMMIT'))
  }
  if (env.TF_BUILD === 'True') {
    return context('azure', first(env, 'BUILD_BUILDID'), first(env, 'BUILD_SOURCEVERSION'))
  }
  if (first(env, 'CI') !== undefined && env.CI !== 'false') {
    return context(
      'ci',
      first(env, 'CI_JOB_ID', 'BUILD_ID'),
      first(env, 'CI_COMMIT_SHA', 'GIT_COMMIT', 'COMMIT_SHA'),
    )
  }
  return context('local', undefined, first(env, 'GIT_COMMIT'))
}
