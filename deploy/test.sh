#!/usr/bin/env bash
# The README's second command: install what is missing, build, run the whole test suite.
# Ends with ctest's summary line; exits non-zero if any test fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/deploy/install-deps.sh"
bash "$top/deploy/build.sh"
build=${GFDX_BUILD_DIR:-$top/build}
cd "$build"
ctest --output-on-failure -j"${GFDX_TEST_JOBS:-2}" --timeout 900
