#!/usr/bin/env node
/**
 * `vitest-heal <command>`: doctor (check the services without running tests), more to come.
 */
import { parseArgs } from 'node:util'
import { doctor } from './doctor.js'

const USAGE = `Usage: vitest-heal <command> [options]

Commands:
  doctor [--fix] [--config <file>] [--root <dir>]
      Load the vitest config, check every service of the heal() plugin and print a table.
      Exits 0 only when all are healthy. --fix runs their recoveries.
`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
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
    return doctor({ fix: values.fix ?? false, config: values.config, root: values.root, out: process.stdout })
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE)
    return command === undefined ? 1 : 0
  }
  process.stderr.write(`vitest-heal: unknown command "${command}"\n\n${USAGE}`)
  return 2
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
