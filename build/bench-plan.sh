#!/usr/bin/env bash
# Benchmark: planning and inspect on a 500-table schema against `pg_dump -s` of the same database, in one run.
#
#   bash build/bench-plan.sh [--repeat N] [--schemas N] [--tables N] [--cli DIR] [--compare DIR] [--keep]
#
# Publishes the CLI (Release) as the Pipeline.Cli tool package of this machine is: on linux-x64 `-r linux-x64`
# (self-contained, one composite ReadyToRun image of the runtime and the CLI, run through its apphost: the
# Pipeline.Cli.linux-x64 package), elsewhere framework-dependent portable IL (Pipeline.Cli.any, and the copy bundled in
# Pipeline.MSBuild, which is portable everywhere), and starts its own throwaway PostgreSQL cluster on a
# free loopback port (initdb/pg_ctl as the postgres user when run as root, as build/benchmark.sh does), removed at the
# end. It creates build/bench/plan-schema.sql's synthetic
# schema (default 2 schemas x 250 tables = 500 tables) in database `bench`, and the same schema with the 50 changes
# of build/bench/plan-changes.sql in `bench_changed`; `pipeline inspect` of each gives the two desired YAML files.
# Then, N times (default 5), in this order within each round:
#   pg_dump -s bench                          the baseline
#   pipeline inspect bench                    YAML to a file
#   pipeline plan same.yaml   vs bench        the empty plan
#   pipeline plan changed.yaml vs bench       a plan with the 50 changes
#   pipeline --help                           start-up alone
# and prints min/median/max wall time, CPU time and peak working set (max RSS, /usr/bin/time) of each, the ratios to
# pg_dump (computed per round, so both sides of a ratio saw the same machine load) and the load average; then, from one
# more run of each command outside the timed rounds, how many methods the JIT compiled (DOTNET_JitStdOutFile with
# DOTNET_JitDisasmSummary=1: what ReadyToRun did not precompile). A CLI folder with an apphost (`pipeline`, the
# self-contained linux-x64 package) is run through it, as the tool runs; one without (framework-dependent) as
# `dotnet pipeline.dll`, as the MSBuild task starts the bundled CLI and as the portable package runs.
# --cli DIR times an already published CLI (DIR/pipeline.dll) instead. --compare DIR also times inspect and both
# plans of a second published CLI (e.g. `dotnet publish src/Pipeline.Cli -c Release -r linux-x64 -p:UseAppHost=false
# -o DIR` at an older commit: the framework-dependent ReadyToRun package before it became self-contained) in the same
# rounds, for a before/after under the same machine load.
# Targets: plan / pg_dump <= 1.0 and inspect / pg_dump <= 1.0. Figures only; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

repeat=5
schemas=2
tables=250
cli=""
compare=""
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat=$2; shift 2 ;;
    --schemas) schemas=$2; shift 2 ;;
    --tables) tables=$2; shift 2 ;;
    --cli) cli=$2; shift 2 ;;
    --compare) compare=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) is needed for the peak working set" >&2; exit 2; }

bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "error: PostgreSQL server binaries not found (install the postgresql package)" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

work=$(mktemp -d /tmp/pipeline-bench-plan.XXXXXX)
chmod 755 "$work"; if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
cleanup() {
  as_pg "$bindir/pg_ctl" -D "$work/db" -m immediate stop >/dev/null 2>&1 || true
  if [ "$keep" = true ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
unset PIPELINE_CONNECTION

if [ -z "$cli" ]; then
  echo "Publishing the CLI (Release)..."
  rid=()
  if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then rid=(-r linux-x64); fi
  dotnet publish src/Pipeline.Cli -c Release "${rid[@]}" -o "$work/cli" --nologo -v quiet -clp:ErrorsOnly >/dev/null
  cli="$work/cli"
fi
# A published CLI folder: pipeline.dll (managed), or only the executable `pipeline` (the native, ahead-of-time compiled
# PostgreSQL-only CLI: -p:PipelineNativeAot=true).
is_cli() { [ -f "$1/pipeline.dll" ] || [ -x "$1/pipeline" ]; }
is_native() { [ ! -f "$1/pipeline.dll" ] && [ -x "$1/pipeline" ]; }
is_cli "$cli" || { echo "error: neither $cli/pipeline.dll nor $cli/pipeline found" >&2; exit 2; }
if [ -n "$compare" ]; then is_cli "$compare" || { echo "error: neither $compare/pipeline.dll nor $compare/pipeline found" >&2; exit 2; }; fi
# How a published CLI folder is started: its apphost if it has one (self-contained), else `dotnet pipeline.dll`.
launcher() { if [ -x "$1/pipeline" ]; then echo "$1/pipeline"; else echo "dotnet"; echo "$1/pipeline.dll"; fi; }
mapfile -t cli_run < <(launcher "$cli")
cmp_run=()
if [ -n "$compare" ]; then mapfile -t cmp_run < <(launcher "$compare"); fi
echo "CLI: ${cli_run[*]}${compare:+; --compare: ${cmp_run[*]}}"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$bindir/initdb" -D "$work/db" -A trust -U postgres -E UTF8 --locale=C >/dev/null
as_pg "$bindir/pg_ctl" -D "$work/db" -w -l "$work/log" \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_locks_per_transaction=256" \
  start >/dev/null
psql_() { "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }
connection() { echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=$1;Timeout=30;Command Timeout=300"; }

echo "Creating the schema ($schemas schemas x $tables tables) twice..."
for db in bench bench_changed; do
  psql_ -d postgres -c "CREATE DATABASE $db" >/dev/null
  psql_ -d "$db" -v schemas="$schemas" -v tables="$tables" -f build/bench/plan-schema.sql >/dev/null
done
psql_ -d bench_changed -c "SELECT set_config('bench.schemas', '$schemas', false)" -f build/bench/plan-changes.sql >/dev/null
psql_ -d bench -At -F ' ' -c "
  SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 'app%' AND c.relkind = 'r'),
         (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname LIKE 'app%' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped),
         (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 'app%'),
         (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname LIKE 'app%' AND k.contype = 'f'),
         (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname LIKE 'app%' AND k.contype = 'c'),
         (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname LIKE 'app%' AND t.typtype = 'e')" \
  | { read -r t c i f k e; echo "Schema: $t tables, $c columns, $i indexes (primary keys and unique constraints included), $f foreign keys, $k checks, $e enums"; }

pipeline() { "${cli_run[@]}" "$@"; }
pipeline inspect -c "$(connection bench)" -o "$work/same.yaml" >/dev/null
pipeline inspect -c "$(connection bench_changed)" -o "$work/changed.yaml" >/dev/null
echo "YAML: $(wc -l < "$work/same.yaml") lines ($(wc -c < "$work/same.yaml") bytes); with the changes $(wc -l < "$work/changed.yaml") lines"

# Runs "$@" once: appends "WALL_MS RSS_KB CPU_MS" (CPU: user + system of the process and its children) to
# $work/$name.times; stdout and stderr to $work/$name.log.
measure() {
  local name=$1; shift
  local start end
  start=$(date +%s%N)
  if ! /usr/bin/time -f '%M %U %S' -o "$work/$name.rss" "$@" > "$work/$name.log" 2>&1; then
    cat "$work/$name.log" >&2
    echo "error: $name failed" >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) $(tail -n 1 "$work/$name.rss" | awk '{ printf "%d %d", $1, ($2 + $3) * 1000 }')" >> "$work/$name.times"
}

names="pg_dump inspect plan_empty plan_50 help"
if [ -n "$compare" ]; then names="$names inspect_cmp plan_empty_cmp plan_50_cmp"; fi
run_round() {
  measure pg_dump "$bindir/pg_dump" -s -h 127.0.0.1 -p "$port" -U postgres -d bench -f "$work/dump.sql"
  measure inspect "${cli_run[@]}" inspect -c "$(connection bench)" -o "$work/inspect.yaml"
  measure plan_empty "${cli_run[@]}" plan "$work/same.yaml" -c "$(connection bench)" -o "$work/plan-empty"
  measure plan_50 "${cli_run[@]}" plan "$work/changed.yaml" -c "$(connection bench)" -o "$work/plan-50" --allow-data-loss
  measure help "${cli_run[@]}" --help
  if [ -n "$compare" ]; then
    measure inspect_cmp "${cmp_run[@]}" inspect -c "$(connection bench)" -o "$work/inspect-cmp.yaml"
    measure plan_empty_cmp "${cmp_run[@]}" plan "$work/same.yaml" -c "$(connection bench)" -o "$work/plan-empty-cmp"
    measure plan_50_cmp "${cmp_run[@]}" plan "$work/changed.yaml" -c "$(connection bench)" -o "$work/plan-50-cmp" --allow-data-loss
  fi
}

echo "Warm-up round (file cache, server catalog cache)..."
run_round
for n in $names; do : > "$work/$n.times"; done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Timing $repeat rounds..."
for i in $(seq 1 "$repeat"); do run_round; done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# One more run of each command with the JIT's method list (not timed): what ReadyToRun left to the JIT.
jit_count() {
  local name=$1; shift
  rm -f "$work/$name.jit"
  DOTNET_JitDisasmSummary=1 DOTNET_JitStdOutFile="$work/$name.jit" "$@" > "$work/$name.jit.log" 2>&1 || { cat "$work/$name.jit.log" >&2; echo "error: $name failed" >&2; exit 1; }
  wc -l < "$work/$name.jit"
}
jit_line() {
  if is_native "$1"; then echo "none (native code, no JIT)"; return; fi
  shift
  local -a run=("$@")
  printf 'inspect %s, plan (no changes) %s, plan (50 changes) %s, --help %s' \
    "$(jit_count jit_inspect "${run[@]}" inspect -c "$(connection bench)" -o "$work/jit.yaml")" \
    "$(jit_count jit_plan_empty "${run[@]}" plan "$work/same.yaml" -c "$(connection bench)" -o "$work/jit-plan-empty")" \
    "$(jit_count jit_plan_50 "${run[@]}" plan "$work/changed.yaml" -c "$(connection bench)" -o "$work/jit-plan-50" --allow-data-loss)" \
    "$(jit_count jit_help "${run[@]}" --help)"
}
jit_cli=$(jit_line "$cli" "${cli_run[@]}")
jit_cmp=""
if [ -n "$compare" ]; then jit_cmp=$(jit_line "$compare" "${cmp_run[@]}"); fi

grep -q 'No changes' "$work/plan_empty.log" || { echo "warning: the plan of the unchanged YAML is not empty:" >&2; tail -n 5 "$work/plan_empty.log" >&2; }
steps=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["steps"]))' "$work/plan-50/plan.json")

# min / median / max of column $2 of file $1, printed with format $3 after scaling by $4.
stats() {
  awk -v c="$2" '{ print $c }' "$1" | sort -g | awk -v f="$3" -v s="$4" '
    { v[NR] = $1 * s }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf f "  " f "  " f, v[1], m, v[NR] }'
}
ratios() { paste -d' ' "$work/$1.times" "$work/pg_dump.times" | awk '{ print $1 / $4 }' > "$work/$1.ratio"; }

echo
echo "Planning and inspect, $repeat rounds ($(nproc) cores; load average $load_before before, $load_after after):"
printf '  %-30s %22s   %22s   %22s\n' "" "wall time s" "CPU time s" "peak working set MB"
printf '  %-30s %22s   %22s   %22s\n' "" "min median    max" "min median    max" "min median    max"
label() { case "$1" in
  pg_dump) echo "pg_dump -s" ;; inspect) echo "pipeline inspect" ;; plan_empty) echo "pipeline plan (no changes)" ;;
  plan_50) echo "pipeline plan ($steps steps)" ;; help) echo "pipeline --help (start-up)" ;;
  inspect_cmp) echo "--compare inspect" ;; plan_empty_cmp) echo "--compare plan (no changes)" ;;
  plan_50_cmp) echo "--compare plan ($steps steps)" ;; esac; }
for n in $names; do
  printf '  %-30s %22s   %22s   %22s\n' "$(label "$n")" "$(stats "$work/$n.times" 1 '%6.3f' 0.001)" \
    "$(stats "$work/$n.times" 3 '%6.3f' 0.001)" "$(stats "$work/$n.times" 2 '%6.0f' 0.0009765625)"
done
echo
echo "Ratios to pg_dump -s of the same round (min median max):"
ratio_names="inspect plan_empty plan_50"
if [ -n "$compare" ]; then ratio_names="$ratio_names inspect_cmp plan_empty_cmp plan_50_cmp"; fi
for n in $ratio_names; do
  ratios "$n"
  med=$(sort -g "$work/$n.ratio" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  printf '  %-40s %22s   target <= 1.0: %s\n' "$(label "$n") / pg_dump" "$(stats "$work/$n.ratio" 1 '%6.2f' 1)" \
    "$(awk -v m="$med" 'BEGIN { print (m <= 1.0 ? "met" : "NOT met") }')"
done
echo
echo "Methods JIT-compiled (one run each, DOTNET_JitDisasmSummary):"
echo "  pipeline:  $jit_cli"
if [ -n "$compare" ]; then echo "  --compare: $jit_cmp"; fi
if [ -n "$compare" ]; then
  # The last round's outputs of the two CLIs, compared byte for byte: the inspect YAML, both plan folders and the
  # plans' console output.
  echo
  echo "Outputs of the last round, pipeline against --compare:"
  same() { if cmp -s "$1" "$2" 2>/dev/null || diff -rq "$1" "$2" >/dev/null 2>&1; then echo "identical"; else echo "DIFFERENT"; fi; }
  echo "  inspect YAML: $(same "$work/inspect.yaml" "$work/inspect-cmp.yaml")"
  # The console names the output folder, which differs (-cmp): compared with that name replaced.
  sed "s#$work/plan-empty-cmp#$work/plan-empty#g" "$work/plan_empty_cmp.log" > "$work/plan_empty_cmp.console"
  sed "s#$work/plan-50-cmp#$work/plan-50#g" "$work/plan_50_cmp.log" > "$work/plan_50_cmp.console"
  echo "  plan (no changes): folder $(same "$work/plan-empty" "$work/plan-empty-cmp"), console $(same "$work/plan_empty.log" "$work/plan_empty_cmp.console")"
  echo "  plan ($steps steps): folder $(same "$work/plan-50" "$work/plan-50-cmp"), console $(same "$work/plan_50.log" "$work/plan_50_cmp.console")"
fi
