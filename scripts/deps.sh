#!/usr/bin/env bash
# Install every build, test and demo dependency of hagd from Debian 12 packages.
# Idempotent: installs only what is missing; quiet when everything is present.
set -euo pipefail

PKGS=(
  build-essential meson ninja-build pkg-config
  libdpdk-dev dpdk dpdk-dev
  libjansson-dev libconfig-dev libcriterion-dev libssl-dev
  iproute2 ethtool iperf3 mptcpize haproxy nginx curl nftables procps tcpdump jq
  python3 python3-scapy openssl coreutils psmisc
  clang libclang-rt-14-dev
)

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$st" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "deps: all present"
