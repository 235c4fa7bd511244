#!/usr/bin/env bash
# Debian packages the discovery tests' real peers need: OpenSSH's server (sshd), the
# openssl command (s_server) and Java's keytool (the store tests' Java keystores; Debian's
# openjdk JRE ships it). Idempotent; installs only what is missing. The package's service is
# not started (tests run their own sshd on loopback).
set -euo pipefail
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v keytool >/dev/null 2>&1 || need+=(default-jre-headless)  # Java keystores (JKS, JCEKS)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "installing test peers from Debian's packages: ${need[*]}" >&2
# keep maintainer scripts from starting sshd on port 22
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
[ -n "$made_policy" ] && $SUDO rm -f /usr/sbin/policy-rc.d
exit 0
