#!/usr/bin/env node
/**
 * `vitest-heal <command>`: run (Vitest through its Node API, with healing), doctor (check the services
 * without running tests), merge (the reports of a sharded run). Each command's module is loaded only
 * when it runs, so `--version` and `--help` work without Vitest installed or configured.
 */
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'

const USAGE = `Usage: vitest-heal <command> [options]

Commands:
  --version
      Print vitest-heal's version.
  run [vitest args]
      Run the tests through Vitest's Node API with healing (same arguments as \`vitest run\`)
      and exit with the healed result.
  run --resume [vitest args]
      Finish the last run if its runner died (SIGKILL, out of memory, a CI timeout): run only the
      tests its journal (<reportDir>/journal/) does not show passed, and write one merged report.
      When the last run completed, run nothing and exit with its result.
  run --last-failed [vitest args]
      Re-run only the tests that failed in the last complete run.
  chaos [vitest args] --fault <spec> [--fault <spec>…] [--seed <n>] [--expect-healed]
      A run like \`run\` with faults injected on purpose into the heal() plugin's services, e.g.
      --fault db:kill@30%  --fault app:latency=500ms@test:/checkout/  --fault db:down=2s@random.
      --seed makes random points reproducible; --expect-healed exits 1 when a fault was not healed.
      Every report gets the scorecard (report.json faults[]). See docs/chaos.md.
  types [--out <file>] [--config <file>] [--root <dir>]
      Write a declaration file (default vitest-heal.d.ts) that types the tags needs:<service>,
      heal and heal:off for this project's services.
  doctor [--fix] [--config <file>] [--root <dir>]
      Load the vitest config, check every service of the heal() plugin and print a table.
      Exits 0 only when all are healthy. --fix runs their recoveries.
  merge <dirs...> [--out <dir>] [--config <file>]
      Merge the report directories of a sharded run (each holds a report.json) and write every
      report into --out (default: the heal() plugin's reportDir). Exits 0 only when the merged run passed.
  stats [--json] [--url <postgres url>] [--dir <history dir>] [--limit <n>] [--config <file>] [--root <dir>]
      What the history knows (the heal() plugin's history store, or --url / --dir): recovery success
      rates per pattern and strategy, flaky tests, recent outages, slowest recoveries.
`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${packageVersion()}\n`)
    return 0
  }
  // `run` passes its arguments to Vitest, whose own --help then answers.
  if (command !== 'run' && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(USAGE)
    return 0
  }
  if (command === 'doctor') {
    const { values } = parseArgs({
      args: rest,
      options: {
        fix: { type: 'boolean', default: false },
        config: { type: 'string' },
        root: { type: 'string' },
      },
      strict: true,
    })
    const { doctor } = await import('./doctor.js')
    return doctor({ fix: values.fix ?? false, config: values.config, root: values.root, out: process.stdout })
  }
  if (command === 'types') {
    const { values } = parseArgs({
      args: rest,
      options: { out: { type: 'string' }, config: { type: 'string' }, root: { type: 'string' } },
      strict: true,
    })
    const { writeTagTypes } = await import('./types.js')
    return writeTagTypes({
      out: values.out,
      config: values.config,
      root: values.root,
      stdout: process.stdout,
    })
  }
  if (command === 'merge') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { out: { type: 'string' }, config: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    })
    const { mergeCommand } = await import('./merge.js')
    return mergeCommand({ dirs: positionals, out: values.out, config: values.config, stdout: process.stdout })
  }
  if (command === 'stats') {
    const { values } = parseArgs({
      args: rest,
      options: {
        json: { type: 'boolean', default: false },
        url: { type: 'string' },
        dir: { type: 'string' },
        limit: { type: 'string' },
        config: { type: 'string' },
        root: { type: 'string' },
      },
      strict: true,
    })
    const { statsCommand } = await import('./stats.js')
    return statsCommand({
      json: values.json ?? false,
      url: values.url,
      dir: values.dir,
      limit: values.limit === undefined ? undefined : Number(values.limit),
      config: values.config,
      root: values.root,
      stdout: process.stdout,
    })
  }
  if (command === 'run') {
    const { runVitest } = await import('./run.js')
    const code = await runVitest(rest)
    // Exit now: a test's lingering handle must not keep the run open or change its result.
    process.exit(code)
  }
  if (command === 'chaos') {
    const { chaosCommand } = await import('./chaos.js')
    const code = await chaosCommand(rest)
    // As for `run`: the healed code, whatever a test's lingering handle would do.
    process.exit(code)
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE)
    return command === undefined ? 1 : 0
  }
  process.stderr.write(`vitest-heal: unknown command "${command}"\n\n${USAGE}`)
  return 2
}

/** From the package's own manifest: src/cli and dist/cli both sit two levels below it. */
function packageVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
