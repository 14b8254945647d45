#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages only) and builds skyql into build/ (binary: build/skyql).
# Usage: scripts/setup.sh [--werror] [--build-dir DIR] [--sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(cmake ninja-build g++ pkg-config libsqlite3-dev libcurl4-openssl-dev libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev libzip-dev libedit-dev libcpp-httplib-dev
  libasio-dev libvalijson-dev rapidjson-dev libgtest-dev libgmock-dev libbenchmark-dev hyperfine wrk sqlite3 time
  postgresql-client)

build_dir=build
cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --werror) cmake_args+=(-DSKYQL_WERROR=ON) ;;
    --sanitize) cmake_args+=(-DSKYQL_SANITIZE=ON -DSKYQL_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug) ;;
    --build-dir) build_dir=$2; shift ;;
    *) echo "setup.sh: unknown option $1 (use --werror, --sanitize, --build-dir DIR)" >&2; exit 2 ;;
  esac
  shift
done

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for mod in boto3 botocore jinja2; do
  python3 -c "import $mod" 2>/dev/null || { echo "setup: python3 module $mod is missing (tests use the machine's boto3/botocore/jinja2)" >&2; exit 1; }
done
command -v aws >/dev/null || { echo "setup: the AWS CLI (aws) is missing; tests use it as a real client" >&2; exit 1; }

cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
ninja -C "$build_dir" -j"$(nproc)"
