#!/usr/bin/env bash
# Installs the Debian packages kwire needs to build and test. Non-interactive;
# does nothing when everything is present. Needs root (or sudo) to install.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config ccache libasio-dev libzstd-dev liblz4-dev libsnappy-dev
            zlib1g-dev libssl-dev catch2)
test_pkgs=(librdkafka-dev kcat python3 python3-confluent-kafka python3-kafka openssl tshark clang
           libclang-rt-14-dev valgrind)

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "kwire setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
