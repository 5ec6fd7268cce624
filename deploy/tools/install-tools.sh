#!/usr/bin/env bash
# Installs the command-line tools the deploy tests use, from Debian packages:
#   promtool (package "prometheus"): `promtool check rules`, `promtool test rules`, `promtool check config`.
# Idempotent; needs root (or sudo) and apt-get. Without them it says what is missing and exits 0, and the
# tests that need the tool skip with that reason (they fail when CI=true).
# CI runs it from .ci/run before the tests.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  echo "install-tools: promtool present ($(promtool --version 2>&1 | head -n 1))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-tools: no apt-get here; install promtool (Prometheus 2.x) yourself to run the rule tests" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-tools: not root and no sudo; install the 'prometheus' package to get promtool" >&2
    exit 0
  fi
fi

echo "install-tools: installing promtool (Debian package 'prometheus')"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Only the promtool binary is wanted: a temporary policy-rc.d (exit 101, as container images ship) keeps
# the packaged Prometheus server from being started; an existing policy-rc.d is left as it is.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  added_policy=1
fi
cleanup() { if [ "$added_policy" = 1 ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT
$sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
promtool --version 2>&1 | head -n 1
