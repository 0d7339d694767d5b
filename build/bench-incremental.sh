#!/usr/bin/env bash
# Benchmark: what the Pipeline.MSBuild package adds to a no-op incremental `dotnet build`.
#
#   bash build/bench-incremental.sh [--runs N] [--live]
#
# Packs Pipeline.MSBuild (Release) into a temporary feed and creates two identical console projects in a temp folder,
# one with the package reference (planning the sample schema/app.schema.yaml against schema/production.snapshot.json)
# and one without. After a first build of each, it runs N (default 7) rounds of a plain `dotnet build` of both,
# alternating which goes first, and prints the median wall time and CPU time of each, side by side, and the difference.
# Target: the package adds at most 0.5 s to a no-op build.
# With --live it also starts a throwaway PostgreSQL cluster (as build/benchmark.sh does), loads schema/production.sql,
# and times the same no-op build planning against that live database (the CLI starts and reads the catalog digest).
# Figures only; the exit code is 0 unless a build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

runs=7
live=false
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --live) live=true; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d /tmp/pipeline-bench-incremental.XXXXXX)
chmod 755 "$work"
cleanup() {
  if [ -n "${pgdata:-}" ]; then as_pg "$bindir/pg_ctl" -D "$pgdata/db" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
unset PIPELINE_CONNECTION
version=0.0.0-bench
echo "Packing Pipeline.MSBuild $version (Release)..."
# The repository restores into the usual package folder; only the consumers use a private one (below), so the
# package under test is extracted fresh and nothing of it stays in the user's cache.
dotnet pack src/Pipeline.MSBuild -c Release -o "$work/feed" -p:PipelineVersion=$version --nologo -v quiet -clp:ErrorsOnly >/dev/null
export NUGET_PACKAGES="$work/packages"

# $1 folder, $2 "with" | "without"
make_consumer() {
  mkdir -p "$1"
  cat > "$1/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="pipeline-bench" value="$work/feed" />
  </packageSources>
</configuration>
EOF
  for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do echo '<Project />' > "$1/$f"; done
  local reference=""
  if [ "$2" = with ]; then
    reference="<ItemGroup><PackageReference Include=\"Pipeline.MSBuild\" Version=\"$version\" PrivateAssets=\"all\" /></ItemGroup>"
  fi
  cat > "$1/Consumer.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <PipelineSnapshotFile>production.snapshot.json</PipelineSnapshotFile>
    <PipelineBlockedAsWarnings>true</PipelineBlockedAsWarnings>
  </PropertyGroup>
  $reference
</Project>
EOF
  echo 'Console.WriteLine("consumer");' > "$1/Program.cs"
  cp "$repo/schema/app.schema.yaml" "$repo/schema/production.snapshot.json" "$1/"
}

make_consumer "$work/without" without
make_consumer "$work/with" with

# Prints "WALL CPU" (seconds) of one `dotnet build`; $1 folder; the environment decides the connection. CPU is user +
# system time of the build and its children (MSBuild in-process, the CLI when it runs): steadier than wall time when
# other jobs share the machine.
build_seconds() {
  local TIMEFORMAT='%R %U %S' timing
  if ! timing=$( { time (cd "$1" && dotnet build -v:q -nologo -clp:ErrorsOnly > "$work/last-build.log" 2>&1); } 2>&1 ); then
    cat "$work/last-build.log" >&2
    echo "error: dotnet build failed in $1" >&2
    exit 1
  fi
  echo "$timing" | awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'
}

# Median of column $1 of the times file on stdin.
median() { awk -v c="$1" '{ print $c }' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

connection=""
if [ "$live" = true ]; then
  bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [ -x "$bindir/initdb" ] || { echo "error: PostgreSQL server binaries not found (install the postgresql package)" >&2; exit 2; }
  as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  pgdata="$work/pg"; mkdir -p "$pgdata"; chmod 755 "$pgdata"; if [ "$(id -u)" = 0 ]; then chown postgres "$pgdata"; fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_pg "$bindir/initdb" -D "$pgdata/db" -A trust -U postgres -E UTF8 --locale=C >/dev/null
  as_pg "$bindir/pg_ctl" -D "$pgdata/db" -w -l "$pgdata/log" -o "-p $port -k $pgdata -c listen_addresses=127.0.0.1" start >/dev/null
  "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -f schema/production.sql >/dev/null
  connection="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Timeout=30"
  make_consumer "$work/live" with
fi

echo "First builds (restore, compile, plan)..."
build_seconds "$work/without" >/dev/null
build_seconds "$work/with" >/dev/null
if [ -n "$connection" ]; then PIPELINE_CONNECTION="$connection" build_seconds "$work/live" >/dev/null; fi
# One more each, so every later build is a no-op (the first may still write obj/ files).
build_seconds "$work/without" >/dev/null
build_seconds "$work/with" >/dev/null
if [ -n "$connection" ]; then PIPELINE_CONNECTION="$connection" build_seconds "$work/live" >/dev/null; fi
plan_time=$(stat -c %Y "$work/with/plan/plan.json")

: > "$work/without.times"; : > "$work/with.times"; : > "$work/live.times"
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) -eq 1 ]; then order="without with"; else order="with without"; fi
  for side in $order; do build_seconds "$work/$side" >> "$work/$side.times"; done
  if [ -n "$connection" ]; then PIPELINE_CONNECTION="$connection" build_seconds "$work/live" >> "$work/live.times"; fi
done
[ "$(stat -c %Y "$work/with/plan/plan.json")" = "$plan_time" ] || echo "warning: the plan was rewritten during the no-op builds" >&2

report() { # $1 column (1 wall, 2 CPU), $2 label
  local without with
  without=$(median "$1" < "$work/without.times")
  with=$(median "$1" < "$work/with.times")
  echo
  echo "No-op incremental dotnet build, $2, median of $runs runs ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)):"
  printf '  %-46s %8s s   (runs: %s)\n' "console project without the package" "$without" "$(awk -v c="$1" '{ print $c }' "$work/without.times" | paste -sd' ')"
  printf '  %-46s %8s s   (runs: %s)\n' "same project with Pipeline.MSBuild (snapshot)" "$with" "$(awk -v c="$1" '{ print $c }' "$work/with.times" | paste -sd' ')"
  awk -v a="$without" -v b="$with" 'BEGIN {
    d = b - a; printf "  %-46s %+8.3f s   ratio %.2f   target <= +0.500 s: %s\n", "added by the package", d, b / a, (d <= 0.5 ? "met" : "NOT met") }'
  if [ -n "$connection" ]; then
    local live_median
    live_median=$(median "$1" < "$work/live.times")
    printf '  %-46s %8s s   (runs: %s)\n' "with Pipeline.MSBuild (live database)" "$live_median" "$(awk -v c="$1" '{ print $c }' "$work/live.times" | paste -sd' ')"
    awk -v a="$without" -v b="$live_median" 'BEGIN { printf "  %-46s %+8.3f s   ratio %.2f\n", "added against a live database", b - a, b / a }'
  fi
}
report 1 "wall time"
report 2 "CPU time (user + system)"
