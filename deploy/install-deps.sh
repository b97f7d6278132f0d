#!/usr/bin/env bash
# Installs the Debian 12 packages gfdx needs to build, test and run locally.
# Idempotent: asks apt only for what is missing; runs apt-get update only then.
# Must run as root (or with sudo available) on Debian 12.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  librdkafka-dev libavro-dev libpq-dev libconfig-dev libjansson-dev
  libssl-dev uuid-dev libmicrohttpd-dev
  # the reports' XLSX form (tools/cli/xlsx.c), and the independent reader that checks it
  # (Python's openpyxl, tests/integration/integration_cli_xlsx.sh)
  libxlsxwriter-dev python3-openpyxl
  postgresql postgresql-contrib kcat python3-avro procps util-linux
  # the signature interop test (tests/integration/integration_sign_interop.sh): Python's
  # cryptography and a JDK (java Sign.java runs a single source file: needs the compiler)
  python3-cryptography openjdk-17-jdk-headless
  # the HTML report's browser check (tests/integration/integration_cli_html.sh): headless
  # chromium, and a CJK font so province names render in its screenshot
  chromium fonts-wqy-microhei
  # the fuzz test (ctest -L fuzz, tests/fuzz/): clang and its libFuzzer runtime (about 14 MB
  # to download next to the LLVM libraries chromium already brings)
  clang-14 libclang-rt-14-dev
  # Apache Kafka for localstack.sh --broker kafka (jars fetched by deploy/kafka-fetch.sh)
  maven default-jre-headless
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  bash "$(dirname "$0")/kafka-fetch.sh"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
bash "$(dirname "$0")/kafka-fetch.sh"
