#!/usr/bin/env bash
# Installs what the in-VS-Code tests need on a fresh Debian 12 machine that reaches only the npm registry
# and Debian's apt: Debian's chromium (the browser the workbench runs in), ripgrep, libkrb5-dev, openssl (the
# TLS test's certificate) and, where
# missing, a C++ toolchain; then code-server 4.100.3 (VS Code 1.100.3, the newest on Node 20) into
# .cache/code-server.
# Idempotent: installed parts are skipped. Run as root. Facts: ../shared/notes/vscode-e2e-offline.md
set -euo pipefail

readonly CODE_SERVER_VERSION=4.100.3
# The @vscode/ripgrep release code-server 4.100.3 depends on, and the ripgrep build it would download.
readonly RIPGREP_PACKAGE_VERSION=1.15.11
readonly RIPGREP_TARBALL=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_dir="$repo_root/.cache/code-server"
code_server_bin="$install_dir/node_modules/.bin/code-server"

log() { printf '[install-test-deps] %s\n' "$*"; }

install_debian_packages() {
  local missing=()
  for pkg in chromium ripgrep libkrb5-dev openssl; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  # code-server's native modules (kerberos, argon2, node-pty) compile from source with node-gyp.
  for tool in g++ make python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "system packages present"
    return
  fi
  log "apt-get install ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# --version runs even when the postinstall (the VS Code server's own native modules and ripgrep) did not.
code_server_works() {
  local vscode_modules="$install_dir/node_modules/code-server/lib/vscode/node_modules"
  [ -x "$code_server_bin" ] && "$code_server_bin" --version >/dev/null 2>&1 &&
    [ -x "$vscode_modules/@vscode/ripgrep/bin/rg" ] && [ -f "$vscode_modules/node-pty/build/Release/pty.node" ]
}

# @vscode/ripgrep's postinstall downloads ripgrep from GitHub; a tarball already in its cache is used instead.
seed_ripgrep_cache() {
  local cache_dir="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION"
  mkdir -p "$cache_dir"
  if [ ! -s "$cache_dir/$RIPGREP_TARBALL" ]; then
    tar -czf "$cache_dir/$RIPGREP_TARBALL" -C /usr/bin rg
  fi
}

install_code_server() {
  if code_server_works; then
    log "code-server present: $("$code_server_bin" --version | head -n 1)"
    return
  fi
  seed_ripgrep_cache
  # A package.json of its own keeps npm from walking up to the project's package.json; allowScripts lets
  # npm versions that gate dependency install scripts run the two code-server needs.
  rm -rf "$install_dir"
  mkdir -p "$install_dir"
  cat >"$install_dir/package.json" <<'JSON'
{
  "name": "rook-test-code-server",
  "private": true,
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
  log "npm install code-server@$CODE_SERVER_VERSION into $install_dir"
  local started=$SECONDS
  # --unsafe-perm: as root, code-server's postinstall refuses to run without it.
  # npm_config_yes: node-pty's postinstall runs `npx node-gyp` and must not prompt.
  # npm_config_nodedir: node-gyp takes Node's headers from Debian's nodejs instead of downloading them.
  # One single install: a second install in the same folder would remove the first one's packages.
  (
    cd "$install_dir"
    npm_config_yes=true npm_config_nodedir=/usr \
      npm install --unsafe-perm --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
  )
  code_server_works || { log "code-server does not run after install"; exit 1; }
  log "code-server $("$code_server_bin" --version | head -n 1) installed in $((SECONDS - started)) s"
}

install_debian_packages
install_code_server
