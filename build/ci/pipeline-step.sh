#!/usr/bin/env bash
# The one script behind the GitHub composite action (build/github/action.yml) and the Azure Pipelines step template
# (build/azure-pipelines/pipeline-steps.yml): `pipeline-step.sh install` puts the pipeline .NET tool on PATH,
# `pipeline-step.sh run` runs plan, rehearse or apply with the INPUT_* variables the step sets.
#
# The connection string arrives in INPUT_CONNECTION (the step maps it from a secret) and reaches the CLI only through
# its environment (PIPELINE_CONNECTION, or PIPELINE_STAGING_CONNECTION for rehearse): never on a command line.
# Findings become annotations and report.md the job summary: the CLI does that itself when it sees GITHUB_ACTIONS=true
# or TF_BUILD=True. Step outputs: exit-code, verdict (plan), plan-directory, report, sarif.
set -uo pipefail

github() { [ "${GITHUB_ACTIONS:-}" = "true" ]; }
azure() { [ "${TF_BUILD:-}" = "True" ] || [ "${TF_BUILD:-}" = "true" ]; }

output() { # name value
  if github && [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"
  elif azure; then
    echo "##vso[task.setvariable variable=$1;isOutput=true]$2"
  fi
}

fail() { # code message
  if github; then echo "::error title=$1::$2"; elif azure; then echo "##vso[task.logissue type=error;code=$1]$2"; fi
  echo "error $1: $2" >&2
  exit 2
}

install_tool() {
  if [ -n "${INPUT_CLI:-}" ]; then
    echo "Using the CLI given: $INPUT_CLI"
    return 0
  fi
  if command -v pipeline >/dev/null 2>&1; then
    echo "Using $(command -v pipeline)"
    return 0
  fi
  local tools="$HOME/.dotnet/tools"
  if [ ! -x "$tools/pipeline" ]; then
    dotnet tool install --global Pipeline.Cli ${INPUT_TOOL_VERSION:+--version "$INPUT_TOOL_VERSION"} || exit 2
  fi
  if github && [ -n "${GITHUB_PATH:-}" ]; then echo "$tools" >> "$GITHUB_PATH"; fi
  if azure; then echo "##vso[task.prependpath]$tools"; fi
}

run_command() {
  local cli
  read -r -a cli <<< "${INPUT_CLI:-pipeline}"
  if [ -z "${INPUT_CLI:-}" ] && ! command -v pipeline >/dev/null 2>&1 && [ -x "$HOME/.dotnet/tools/pipeline" ]; then
    cli=("$HOME/.dotnet/tools/pipeline")
  fi

  local dir="${INPUT_PLAN_DIRECTORY:-schema/plan}"
  local connection="${INPUT_CONNECTION:-}"
  unset INPUT_CONNECTION PIPELINE_CONNECTION PIPELINE_STAGING_CONNECTION
  local args=()
  case "${INPUT_COMMAND:-plan}" in
    plan)
      args=(plan "${INPUT_SCHEMA:-schema/app.schema.yaml}" --out "$dir" --fail-on "${INPUT_FAIL_ON:-data-loss}")
      if [ -n "$connection" ]; then
        export PIPELINE_CONNECTION="$connection"
      elif [ -n "${INPUT_SNAPSHOT:-}" ]; then
        args+=(--snapshot "$INPUT_SNAPSHOT")
      fi
      [ "${INPUT_ALLOW_DATA_LOSS:-false}" = "true" ] && args+=(--allow-data-loss)
      [ -n "${INPUT_DOCS_URL:-}" ] && args+=(--docs-url "$INPUT_DOCS_URL")
      ;;
    rehearse)
      [ -n "$connection" ] || fail PIPE0004 "rehearse needs the staging connection (the connection input, from a secret)"
      export PIPELINE_STAGING_CONNECTION="$connection"
      args=(rehearse "$dir")
      ;;
    apply)
      [ -n "$connection" ] || fail PIPE0004 "apply needs the target connection (the connection input, from a secret)"
      case "${INPUT_PHASE:-}" in
        expand|backfill|contract) ;;
        *) fail PIPE0004 "apply needs the phase input: expand, backfill or contract (was '${INPUT_PHASE:-}')" ;;
      esac
      export PIPELINE_CONNECTION="$connection"
      args=(apply "$dir" --phase "$INPUT_PHASE")
      [ "${INPUT_CONFIRM_CONTRACT:-false}" = "true" ] && args+=(--confirm-contract)
      ;;
    *)
      fail PIPE0004 "the command input must be plan, rehearse or apply (was '${INPUT_COMMAND:-}')"
      ;;
  esac

  "${cli[@]}" "${args[@]}"
  local code=$?

  output exit-code "$code"
  output plan-directory "$dir"
  [ -f "$dir/report.md" ] && output report "$dir/report.md"
  if [ "${INPUT_COMMAND:-plan}" = "plan" ]; then
    [ -f "$dir/report.sarif" ] && output sarif "$dir/report.sarif"
    local verdict
    verdict=$(sed -n 's/^  "verdict": "\([a-z-]*\)",$/\1/p' "$dir/report.json" 2>/dev/null | head -n 1)
    output verdict "${verdict:-unknown}"
  elif [ "${INPUT_COMMAND}" = "rehearse" ] && [ -f "$dir/report.md" ]; then
    # The rehearsal section the CLI wrote into report.md (estimated vs observed locks) as the job summary.
    if github && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      sed -n '/<!-- pipeline:rehearsal:begin -->/,/<!-- pipeline:rehearsal:end -->/p' "$dir/report.md" >> "$GITHUB_STEP_SUMMARY"
    elif azure; then
      sed -n '/<!-- pipeline:rehearsal:begin -->/,/<!-- pipeline:rehearsal:end -->/p' "$dir/report.md" > "$dir/rehearsal-summary.md"
      echo "##vso[task.uploadsummary]$(cd "$dir" && pwd)/rehearsal-summary.md"
    fi
  fi
  return "$code"
}

case "${1:-run}" in
  install) install_tool ;;
  run) run_command; exit $? ;;
  *) echo "usage: pipeline-step.sh install|run" >&2; exit 2 ;;
esac
