#!/usr/bin/env bash
# Installs the command-line tools the tests use, from Debian packages:
#   promtool (package "prometheus"): `promtool check rules`, `promtool test rules`, `promtool check config`.
#   chromium (package "chromium"): the browser the console's end-to-end tests drive through playwright-core
#     (Playwright's own browser download cannot reach its host from CI, so the distribution's build is used).
# Idempotent (each tool is installed only when missing); needs root (or sudo) and apt-get. Without them it
# says what is missing and exits 0, and the tests that need the tool skip with that reason (they fail when
# CI=true). CI runs it from .ci/run before the tests.
set -euo pipefail

missing=()
if command -v promtool >/dev/null 2>&1; then
  echo "install-tools: promtool present ($(promtool --version 2>&1 | head -n 1))"
else
  missing+=(prometheus)
fi
if command -v chromium >/dev/null 2>&1; then
  echo "install-tools: chromium present ($(chromium --version 2>/dev/null | head -n 1))"
else
  missing+=(chromium)
fi
[ "${#missing[@]}" -gt 0 ] || exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-tools: no apt-get here; install ${missing[*]} yourself (promtool for the rule tests, chromium for the console's browser tests)" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-tools: not root and no sudo; install the Debian packages ${missing[*]}" >&2
    exit 0
  fi
fi

echo "install-tools: installing the Debian packages ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Only the promtool binary is wanted from "prometheus": a temporary policy-rc.d (exit 101, as container
# images ship) keeps the packaged Prometheus server from being started; an existing policy-rc.d is left as it is.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  added_policy=1
fi
cleanup() { if [ "$added_policy" = 1 ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if command -v promtool >/dev/null 2>&1; then promtool --version 2>&1 | head -n 1; fi
if command -v chromium >/dev/null 2>&1; then chromium --version 2>/dev/null | head -n 1; fi
