#!/usr/bin/env bash
# Install the pinned c2pa-ts (package-lock.json) into interop/c2pa-ts/node_modules with `npm ci`.
# Idempotent: does nothing when node_modules was installed from this very lockfile.
set -euo pipefail
cd "$(dirname "$0")"

command -v node >/dev/null || { echo "install.sh: node is not installed (Node.js >= 20 is needed)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install.sh: npm is not installed" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "install.sh: Node.js $(node --version) is too old, c2pa-ts needs >= 20" >&2
  exit 1
fi

stamp=node_modules/.installed-from-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/@trustnxt/c2pa-ts/package.json ]; then
  echo "c2pa-ts interop: node_modules is up to date ($(node --version))"
  exit 0
fi

# --ignore-scripts: the only install script is cbor-extract's optional native speed-up; cbor-x runs without it
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "c2pa-ts interop: installed @trustnxt/c2pa-ts $(node -p 'require("./node_modules/@trustnxt/c2pa-ts/package.json").version') with $(node --version)"
