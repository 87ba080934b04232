#!/usr/bin/env bash
# What the tests need from the system that npm cannot install: PostgreSQL's server binaries (and its
# `postgres` user, whom PostgreSQL runs as when we are root), Chromium and chromedriver for the
# Selenium tests. `npm test` runs this first (pretest) and .ci/run calls it too, so a fresh machine
# needs no step before the README's test command. As root with apt-get (Debian, Ubuntu) it installs
# what is missing; anywhere else it names what to install and fails, before a long run would.
# Silent and quick when everything is there.
set -uo pipefail

# The paths are the ones the tests use (src/selenium/chromedriver.ts, test/helpers/postgres.ts);
# the variables exist so this script's own test can hide what is installed.
chromium=${VITEST_HEAL_CHROMIUM:-/usr/lib/chromium/chromium}
chromedriver=${VITEST_HEAL_CHROMEDRIVER:-/usr/bin/chromedriver}
pg_root=${VITEST_HEAL_PG_ROOT:-/usr/lib/postgresql}

missing() {
  local need=()
  compgen -G "$pg_root/*/bin/postgres" >/dev/null || need+=(postgresql)
  [ -x "$chromium" ] || need+=(chromium)
  [ -x "$chromedriver" ] || need+=(chromium-driver)
  echo "${need[@]}"
}

need=$(missing)
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "vitest-heal tests: installing $need (apt-get)"
    # shellcheck disable=SC2086 # one word per package
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; } ||
      { echo "vitest-heal tests: apt-get install $need failed" >&2; exit 1; }
    need=$(missing)
    [ -z "$need" ] || { echo "vitest-heal tests: still missing after apt-get: $need" >&2; exit 1; }
  else
    cat >&2 <<MSG
vitest-heal tests need system packages that are not installed: $need
  (PostgreSQL server binaries in $pg_root/<version>/bin, Chromium at $chromium, chromedriver at $chromedriver)
Install them, e.g. on Debian/Ubuntu: sudo apt-get install --no-install-recommends $need
then run the tests again. Run as root on Debian/Ubuntu, npm test installs them itself.
MSG
    exit 1
  fi
fi

# PostgreSQL refuses to run as root; the tests then run it as this user (the postgresql package makes it).
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "vitest-heal tests: running as root needs a \`postgres\` system user to run PostgreSQL as (useradd --system postgres)" >&2
  exit 1
fi
exit 0
