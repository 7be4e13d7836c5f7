#!/bin/sh
# Installs what interop/go-tlog needs from Debian: Go and the golang.org/x/mod source
# (sumdb/note, sumdb/tlog). Does nothing when both are already there.
set -eu

XMOD=/usr/share/gocode/src/golang.org/x/mod

if command -v go >/dev/null 2>&1 && [ -d "$XMOD/sumdb/tlog" ]; then
    exit 0
fi

install_packages() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-golang-x-mod-dev
}

install_packages || { apt-get update -qq && install_packages; }
go version
