#!/usr/bin/env bash
# kafka-fetch.sh: fetches Apache Kafka's broker jars and their runtime dependencies from Maven
# Central (deploy/kafka/pom.xml, `mvn dependency:copy-dependencies`) into a cache outside the
# repository. Called by deploy/install-deps.sh; deploy/localstack.sh --broker kafka calls it
# too (a no-op once fetched). No jar is ever committed.
#
#   kafka-fetch.sh            fetch if missing; prints nothing but errors
#   kafka-fetch.sh --home     fetch if missing, then print the Kafka home (libs/ under it)
#
# Environment:
#   GFDX_KAFKA_VERSION  the org.apache.kafka:kafka_2.13 version (default 3.9.1, the pinned
#                       one; 4.x works with a different logging binding, see the pom)
#   GFDX_KAFKA_HOME     where it goes (default /var/cache/gfdx/kafka-VERSION as root, else
#                       ${XDG_CACHE_HOME:-~/.cache}/gfdx/kafka-VERSION)
#
# Idempotent and safe to run concurrently: a marker file (HOME/.fetched, holding the version)
# makes a second run a no-op; an flock serialises concurrent first runs; the jars are copied
# into a temporary directory and renamed into place, so libs/ is complete or absent.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=${GFDX_KAFKA_VERSION:-3.9.1}

die() {
    echo "kafka-fetch: $*" >&2
    exit 1
}

default_home() {
    if [ "$(id -u)" -eq 0 ]; then
        echo "/var/cache/gfdx/kafka-$VERSION"
    else
        echo "${XDG_CACHE_HOME:-$HOME/.cache}/gfdx/kafka-$VERSION"
    fi
}

KHOME=${GFDX_KAFKA_HOME:-$(default_home)}
MARKER=$KHOME/.fetched

fetched() { [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$VERSION" ] && [ -d "$KHOME/libs" ]; }

# Runs Maven into HOME/libs.tmp (local repository HOME/m2), then renames it to HOME/libs.
mvn_fetch() {
    local profile=() log=$KHOME/mvn.log
    case $VERSION in 3.*) ;; *) profile=(-Dkafka4) ;; esac
    command -v mvn >/dev/null || die "mvn not found (run deploy/install-deps.sh: it installs maven)"
    command -v java >/dev/null || die "java not found (run deploy/install-deps.sh: it installs default-jre-headless)"
    rm -rf "$KHOME/libs.tmp"
    if ! mvn -B -q -f "$top/deploy/kafka/pom.xml" -Dmaven.repo.local="$KHOME/m2" \
        -Dkafka.version="$VERSION" "${profile[@]}" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$KHOME/libs.tmp" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "mvn could not fetch org.apache.kafka:kafka_2.13:$VERSION (log: $log)"
    fi
    ls "$KHOME/libs.tmp/kafka_2.13-$VERSION.jar" >/dev/null 2>&1 ||
        die "mvn finished but kafka_2.13-$VERSION.jar is missing (log: $log)"
    rm -rf "$KHOME/libs"
    mv "$KHOME/libs.tmp" "$KHOME/libs"
    echo "$VERSION" >"$MARKER"
}

main() {
    case ${1:-} in
    "" | --home) ;;
    *) die "usage: kafka-fetch.sh [--home]" ;;
    esac
    if ! fetched; then
        mkdir -p "$KHOME"
        exec 9>"$KHOME/.lock"
        flock 9
        fetched || mvn_fetch
        exec 9>&-
    fi
    if [ "${1:-}" = --home ]; then echo "$KHOME"; fi
}

main "$@"
