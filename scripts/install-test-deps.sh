#!/usr/bin/env bash
# Installs what Rook's in-VS-Code tests (and `npm start` without desktop VS Code) need, then code-server 4.100.3
# (VS Code 1.100.3, the newest on Node 20) into .cache/code-server, which needs no root.
#
#   bash scripts/install-test-deps.sh                     for `npm test`: Chromium (the browser the workbench runs
#                                                         in), openssl (the TLS test's certificate), and the below
#   bash scripts/install-test-deps.sh --code-server-only  for `npm start`: a C++ toolchain to build code-server's
#                                                         native modules (kerberos, argon2, node-pty), then code-server
#
# As root on a machine with apt (CI: a fresh Debian 12 that reaches only the npm registry and Debian's apt), missing
# system packages are installed with apt-get, with ripgrep and the Kerberos headers so code-server builds offline.
# Otherwise nothing is installed system-wide: the script names what is missing and the command that installs it,
# and exits 2. Idempotent: installed parts are skipped. Facts: ../shared/notes/vscode-e2e-offline.md
set -euo pipefail

readonly CODE_SERVER_VERSION=4.100.3
# The @vscode/ripgrep release code-server 4.100.3 depends on, and the ripgrep build it would download.
readonly RIPGREP_PACKAGE_VERSION=1.15.11
readonly RIPGREP_TARBALL=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

mode=tests
case "${1:-}" in
  '') ;;
  --code-server-only) mode=code-server ;;
  *) echo "usage: $0 [--code-server-only]" >&2; exit 64 ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_dir="$repo_root/.cache/code-server"
code_server_bin="$install_dir/node_modules/.bin/code-server"

log() { printf '[install-test-deps] %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# What is needed, by Debian package name: required ones stop the install when missing; offline ones only matter
# without internet access (code-server's install then cannot download ripgrep or kerberos' prebuilt binary).
required_packages() {
  echo g++ make python3
  if [ "$mode" = tests ]; then echo chromium openssl; fi
}
offline_packages() { echo ripgrep libkrb5-dev; }

# Whether a package's part is here, told by its commands or files, so it also works without dpkg.
present() {
  case "$1" in
    g++) have g++ || have clang++ || have c++ ;;
    make) have make ;;
    python3) have python3 ;;
    chromium) [ -x /usr/bin/chromium ] ;; # the path test/e2e/browser.ts launches
    openssl) have openssl ;;
    ripgrep) have rg ;;
    # macOS has Kerberos (GSS.framework) with the system.
    libkrb5-dev) [ "$(uname -s)" = Darwin ] || have krb5-config || [ -e /usr/include/gssapi/gssapi.h ] ;;
    *) return 1 ;;
  esac
}

# The names among "$@" that are not here, space-separated.
missing_of() {
  local pkg missing=''
  for pkg in "$@"; do present "$pkg" || missing="$missing $pkg"; done
  echo "${missing# }"
}

# The command that installs Debian-named packages with this machine's package manager.
install_hint() {
  local pkg manager='' names=''
  if [ "$(uname -s)" = Darwin ]; then
    local xcode='' brew=''
    for pkg in "$@"; do
      case "$pkg" in
        g++|make|python3) xcode=1 ;;
        ripgrep|openssl) brew="$brew $pkg" ;;
        chromium) ;; # the VS Code tests run Debian's chromium: they are run on Linux
      esac
    done
    if [ -n "$xcode" ]; then echo "    xcode-select --install"; fi
    if [ -n "$brew" ]; then echo "    brew install$brew"; fi
    return 0
  fi
  for candidate in apt-get dnf zypper pacman; do
    if have "$candidate"; then manager=$candidate; break; fi
  done
  for pkg in "$@"; do
    case "$manager:$pkg" in
      dnf:g++|zypper:g++) names="$names gcc-c++" ;;
      pacman:g++) names="$names gcc" ;;
      dnf:libkrb5-dev|zypper:libkrb5-dev) names="$names krb5-devel" ;;
      pacman:libkrb5-dev) names="$names krb5" ;;
      pacman:python3) names="$names python" ;;
      *) names="$names $pkg" ;;
    esac
  done
  case "$manager" in
    apt-get) echo "    sudo apt-get install$names" ;;
    dnf) echo "    sudo dnf install$names" ;;
    zypper) echo "    sudo zypper install$names" ;;
    pacman) echo "    sudo pacman -S$names" ;;
    *) echo "    (with your package manager)$names" ;;
  esac
}

install_system_packages() {
  # Space-separated names; plain strings rather than arrays, for macOS's bash 3.2 under `set -u`.
  local required offline
  required="$(missing_of $(required_packages))"
  offline="$(missing_of $(offline_packages))"
  if [ -z "$required" ] && [ -z "$offline" ]; then
    log "system packages present"
    return
  fi
  if [ "$(id -u)" -eq 0 ] && have apt-get; then
    log "apt-get install $required $offline"
    apt-get update
    # shellcheck disable=SC2086 # one word a package
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $required $offline
    return
  fi
  if [ -n "$offline" ]; then
    log "not installed: $offline (only needed offline: code-server's install then downloads ripgrep and kerberos' prebuilt binary)"
  fi
  if [ -n "$required" ]; then
    log "missing: $required"
    case "$mode" in
      code-server) log "code-server's native modules are built from source with a C++ compiler, make and python3." ;;
      tests) log "the VS Code tests need them (Chromium runs the workbench, openssl makes the TLS test's certificate, the rest builds code-server)." ;;
    esac
    log "this script installs system packages only as root with apt; install them with:"
    # shellcheck disable=SC2086
    install_hint $required $offline
    exit 2
  fi
}

# --version runs even when the postinstall (the VS Code server's own native modules and ripgrep) did not.
code_server_works() {
  local vscode_modules="$install_dir/node_modules/code-server/lib/vscode/node_modules"
  [ -x "$code_server_bin" ] && "$code_server_bin" --version >/dev/null 2>&1 &&
    [ -x "$vscode_modules/@vscode/ripgrep/bin/rg" ] && [ -f "$vscode_modules/node-pty/build/Release/pty.node" ]
}

# @vscode/ripgrep's postinstall downloads ripgrep from GitHub; a tarball already in its cache is used instead.
# Seeded only where the system's rg is the build it would download (Linux x86-64); elsewhere it downloads.
seed_ripgrep_cache() {
  if ! have rg || [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then return 0; fi
  local cache_dir="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION"
  mkdir -p "$cache_dir"
  if [ ! -s "$cache_dir/$RIPGREP_TARBALL" ]; then
    tar -czf "$cache_dir/$RIPGREP_TARBALL" -C "$(dirname "$(command -v rg)")" rg
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
  # npm_config_yes: node-pty's postinstall runs `npx node-gyp` and must not prompt.
  # npm_config_nodedir: node-gyp takes Node's headers from this Node's installation (Debian's nodejs ships them
  # in /usr/include/node) instead of downloading them; where they are not installed, node-gyp downloads them.
  # --unsafe-perm: as root, code-server's postinstall refuses to run without it.
  # One single install: a second install in the same folder would remove the first one's packages.
  local node_prefix unsafe_perm=''
  node_prefix="$(node -p "require('path').resolve(process.execPath, '..', '..')")"
  if [ "$(id -u)" -eq 0 ]; then unsafe_perm=--unsafe-perm; fi
  (
    cd "$install_dir"
    export npm_config_yes=true
    if [ -f "$node_prefix/include/node/node.h" ]; then export npm_config_nodedir="$node_prefix"; fi
    # shellcheck disable=SC2086 # empty when not root
    npm install $unsafe_perm --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
  ) || {
    log "npm install code-server@$CODE_SERVER_VERSION failed (see above)."
    log "offline, it needs ripgrep and the Kerberos headers:"
    install_hint ripgrep libkrb5-dev
    exit 1
  }
  code_server_works || { log "code-server does not run after install"; exit 1; }
  log "code-server $("$code_server_bin" --version | head -n 1) installed in $((SECONDS - started)) s"
}

# A code-server already built here needs no build tools.
if [ "$mode" = code-server ] && code_server_works; then
  log "code-server present: $("$code_server_bin" --version | head -n 1)"
  exit 0
fi
install_system_packages
install_code_server
