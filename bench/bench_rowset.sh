#!/usr/bin/env bash
# Benchmark: ms per gfdx_rowset_write on this machine (not part of the test suite).
#   bash bench/bench_rowset.sh [ROWS]   (default 500)
# Rows shaped like intake.need (the real table: schemas/sql/common + intake migrations applied
# in a scratch schema) put as new rows, then loaded FOR UPDATE and put again (the update
# path), and message_log rows with a 1.5 KB bytea value appended; each write one statement in
# its own transaction, 7 rounds, median printed (tests/integration/rowset_roundtrip.c bench).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rows=${1:-500}
bench_stack_up rowset
psql -X -q -v ON_ERROR_STOP=1 "$GFDX_PG_CONNINFO" -c "CREATE SCHEMA rs_bench"
for f in "$top"/schemas/sql/common/[0-9]*.sql "$top"/schemas/sql/intake/[0-9]*.sql; do
  PGOPTIONS="-c search_path=rs_bench" psql -X -q -v ON_ERROR_STOP=1 "$GFDX_PG_CONNINFO" -f "$f" >/dev/null
done
"$GFDX_BUILD_DIR/tests/rowset_roundtrip" bench "$GFDX_PG_CONNINFO" "$rows"
