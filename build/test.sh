#!/usr/bin/env bash
# Runs the whole test suite (unit tests and the integration tests against a throwaway PostgreSQL cluster that the
# test fixtures start themselves) and ends with one summary line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v pg_config >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "warning: no PostgreSQL server binaries found; the integration tests will fail. Install the postgresql package (.ci/run does)." >&2
fi

log=$(mktemp)
dotnet test Pipeline.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly lines: "Passed!  - Failed:     0, Passed:    18, Skipped:     0, Total:    18, ..."
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+/ {
    line = $0
    gsub(/,/, "", line)
    n = split(line, w, /[ \t]+/)
    for (i = 1; i <= n; i++) {
      if (w[i] == "Failed:")  f += w[i+1]
      if (w[i] == "Passed:")  p += w[i+1]
      if (w[i] == "Skipped:") s += w[i+1]
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")
rm -f "$log"

# A build or runner failure that produced no per-assembly line still counts as a failure.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
