#!/usr/bin/env bash
# Prints the path of a Go toolchain that can build this module (go 1.26),
# installing one if needed: Debian's golang-go as a bootstrap, then the
# go1.26 toolchain from the Go module proxy (golang.org/toolchain), kept in
# ~/.cache/ordershop-go. Everything but the path goes to stderr.
set -euo pipefail
want_minor=26
want_version=go1.26.8

minor_of() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p'; }

for cand in "$(command -v go || true)" /usr/local/go/bin/go; do
  [ -n "$cand" ] && [ -x "$cand" ] || continue
  m=$(GOTOOLCHAIN=local minor_of "$cand" || true)
  if [ -n "$m" ] && [ "$m" -ge "$want_minor" ]; then echo "$cand"; exit 0; fi
done

cache="${XDG_CACHE_HOME:-$HOME/.cache}/ordershop-go"
tc="$cache/pkg/mod/golang.org/toolchain@v0.0.1-${want_version}.linux-amd64"
if [ -x "$tc/bin/go" ]; then echo "$tc/bin/go"; exit 0; fi

boot="$(command -v go || true)"
if [ -z "$boot" ]; then
  for g in /usr/lib/go-*/bin/go; do [ -x "$g" ] && boot="$g"; done
fi
if [ -z "$boot" ]; then
  echo "ensure-go: installing Debian's golang-go to bootstrap Go ${want_version}" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq golang-go >&2
  boot="$(command -v go)"
fi
echo "ensure-go: fetching ${want_version} from the Go module proxy into $cache" >&2
tmp=$(mktemp -d)
( cd "$tmp" && GOPATH="$cache" GOFLAGS=-modcacherw GOTOOLCHAIN=local GO111MODULE=on \
    "$boot" mod download golang.org/toolchain@v0.0.1-${want_version}.linux-amd64 >&2 )
rm -rf "$tmp"
# Module zips carry no exec bits: restore them as Go's own toolchain switch does.
find "$tc/bin" "$tc/pkg/tool" -type f -exec chmod +x {} +
"$tc/bin/go" version >&2
echo "$tc/bin/go"
