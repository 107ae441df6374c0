#!/usr/bin/env bash
# Installs the Debian packages Sluice builds and tests against; prints the exact line when not root.
set -euo pipefail
packages=(pkg-config liblz4-dev libssl-dev zlib1g-dev libpcre2-dev libzstd-dev libnats-dev lz4 zstd curl python3 python3-venv openssl nats-server e2fsprogs util-linux haproxy)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "Sluice needs these Debian packages; run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
