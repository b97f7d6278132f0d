#!/usr/bin/env bash
# Configures and builds gfdx into ./build (or $GFDX_BUILD_DIR). Prints only warnings/errors.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${GFDX_BUILD_DIR:-$top/build}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=${GFDX_BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$build" -j"$(nproc)" -- --no-print-directory >/dev/null || \
  cmake --build "$build" -j1 -- --no-print-directory
echo "build: $build"
