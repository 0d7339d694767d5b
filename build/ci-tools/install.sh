#!/usr/bin/env bash
# Installs the real clients the tests check the CI files and reports with: Node.js and npm and Debian's chromium (apt),
# gcc for the native tool's link when the machine has no C compiler,
# then the npm packages pinned in package-lock.json (@action-validator/cli, @microsoft/sarif-multitool,
# @mermaid-js/mermaid-cli) into build/ci-tools/node_modules. Puppeteer downloads no browser: mmdc runs
# /usr/bin/chromium (puppeteer.json). Run by .ci/run; run it by hand once for the same tests locally.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The native (ahead-of-time compiled) tool's link step (NativeToolTests): clang, or gcc where clang is absent.
command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(gcc)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing ${missing[*]}..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci again only when package-lock.json changed since the last install (npm writes node_modules/.package-lock.json).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing the npm CI tools (npm ci)..."
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
