# bench/lib.sh: the throwaway stack every benchmark runs on (sourced).
# bench_stack_up NAME [--broker devbroker|kafka]: a temp dir ($dir) with a private PostgreSQL
# and broker (default the dev broker), env sourced; on exit the daemon in $pid and the
# process in $poll_pid (if any) are stopped, then the stack, and $dir removed.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export GFDX_BUILD_DIR=${GFDX_BUILD_DIR:-$top/build}
PY=/usr/bin/python3
pid=
poll_pid=

bench_cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$poll_pid" ] && kill -TERM "$poll_pid" 2>/dev/null && wait "$poll_pid" 2>/dev/null || true
  "$top/deploy/localstack.sh" stop "$dir/stack" >/dev/null 2>&1 || true
  rm -rf "$dir"
}

bench_stack_up() {
  dir=$(mktemp -d "/tmp/gfdx-bench-$1.XXXXXX")
  chmod 755 "$dir"
  trap bench_cleanup EXIT
  "$top/deploy/localstack.sh" start "$dir/stack" "${@:2}"
  # shellcheck disable=SC1091
  source "$dir/stack/env"
}
