#!/usr/bin/env bash
# deploy/localstack.sh's port picker: the ports of one stack are distinct even when the random
# source repeats itself, and a port something listens on is never given. (CI once failed with
# Kafka refusing "two listeners on the same port": three independent picks had drawn the same
# port.) Needs no broker: it sources the script's functions and replaces the random source.
source "$(dirname "$0")/lib.sh"
source "$GFDX_SOURCE_DIR/deploy/localstack.sh"
set +e # lib.sh's assertions report; localstack.sh set -e for its own run
seq_file=$(mktemp)
trap 'rm -f "$seq_file"; [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null' EXIT
# The random source replays the numbers in $seq_file, one per call (a file: pick_ports runs
# random_port in a subshell, which cannot advance a shell variable of ours).
random_port() {
  local first
  first=$(head -n 1 "$seq_file")
  sed -i 1d "$seq_file"
  echo "${first:-29999}"
}
printf '%s\n' 24316 24316 24316 21583 24316 25000 >"$seq_file"
mapfile -t got < <(pick_ports 3)
assert_eq "three ports picked" 3 "${#got[@]}"
assert_eq "a repeated draw is skipped: the three are distinct" "24316 21583 25000" "${got[*]}"
# A port in use is skipped: listen on one, make it the first draw.
busy=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$busy" &
listener=$!
for _ in $(seq 1 50); do port_in_use "$busy" && break; sleep 0.1; done
assert_ok "the listener is seen" port_in_use "$busy"
printf '%s\n' "$busy" 26001 >"$seq_file"
assert_eq "a port in use is not given" 26001 "$(pick_ports 1)"
# Real randomness: many stacks' worth of picks, each set distinct.
unset -f random_port
source "$GFDX_SOURCE_DIR/deploy/localstack.sh" # the real random_port again
set +e
dups=0
for _ in $(seq 1 300); do
  ports=$(pick_ports 3 | sort -u | wc -l)
  [ "$ports" -eq 3 ] || dups=$((dups + 1))
done
assert_eq "300 real picks of three: none with a repeated port" 0 "$dups"
finish
