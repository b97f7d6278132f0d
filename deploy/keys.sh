#!/usr/bin/env bash
# keys.sh DIR [REGISTRY]: signing keys for a local stack, the demo and the tests (DESIGN §4,
# §5). For every participant of REGISTRY (default: the shipped deploy/participants.cfg) a
# private key DIR/keys/<id>.pem (mode 0600, `gfdx keys generate`; a key already there is
# kept), and DIR/participants.cfg = REGISTRY with each participant's public key added
# (`keys = ( ... );`, the line `gfdx keys show` prints). Daemons then use
#   paths.participants = "DIR/participants.cfg"; security.signing_key = "DIR/keys/<id>.pem";
# and `gfdx produce` signs as each record's meta.sender with GFDX_KEYS_DIR=DIR/keys.
# PBoC participants (pboc, pbc-*) get SM2 keys, every other Ed25519: both algorithms are
# exercised side by side. Keys generated here are for local use only: never commit them.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:?usage: keys.sh DIR [REGISTRY]}
REG=${2:-$top/deploy/participants.cfg}
CLI=${GFDX_CLI:-${GFDX_BUILD_DIR:-$top/build}/tools/cli/gfdx}

mkdir -p "$DIR/keys"
chmod 700 "$DIR/keys"
# ids of the entries: lines "  { id = "X"; ..." outside comments
ids=$(sed -n 's/^[[:space:]]*{[[:space:]]*id[[:space:]]*=[[:space:]]*"\([A-Za-z0-9._-]*\)".*/\1/p' "$REG")
script=""
for id in $ids; do
    pem=$DIR/keys/$id.pem
    case $id in pboc | pbc-*) alg=sm2 ;; *) alg=ed25519 ;; esac
    if [ -f "$pem" ]; then
        line=$("$CLI" keys show "$pem")
    elif ! line=$("$CLI" keys generate --participant "$id" --alg "$alg" --out "$pem" 2>"$DIR/keys/.err"); then
        cat "$DIR/keys/.err" >&2
        exit 1
    fi
    # the registry line has only [A-Za-z0-9+/=#:._ "{};-]: safe in a sed replacement with '|'
    script+="s|^\\([[:space:]]*{[[:space:]]*id[[:space:]]*=[[:space:]]*\"$id\";\\)|\\1 keys = ( $line );|;"
done
sed "$script" "$REG" >"$DIR/participants.cfg.tmp"
mv "$DIR/participants.cfg.tmp" "$DIR/participants.cfg"
rm -f "$DIR/keys/.err"
