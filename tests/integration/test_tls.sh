#!/usr/bin/env bash
# TLS is verified for every provider endpoint (SECURITY.md A13): a provider with a
# self-signed certificate is a network/TLS failure (exit 6), not a silent success.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "openssl not found"; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
  -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$work/cert.pem" -key "$work/key.pem" -www \
  </dev/null >/dev/null 2>&1 &
bg_pids+=($!)
wait_until "openssl s_server on port $port" curl -sk -o /dev/null "https://127.0.0.1:$port/"
app=$(ol apps add oidc --issuer "https://127.0.0.1:$port" --client-id x)
set +e
BROWSER=true ol connect "$app" --timeout 5 >"$work/out" 2>"$work/err"
rc=$?
set -e
check "self-signed provider certificate: exit code 6" test "$rc" -eq 6
check "the message names the certificate problem" grep -qi "certificate" "$work/err"
check "nothing was printed on stdout" test ! -s "$work/out"
# Trusting that certificate with --ca-file (or SSL_CERT_FILE) gets past TLS: the failure
# is now the server's answer (it serves no discovery metadata), not the certificate.
set +e
BROWSER=true ol --ca-file "$work/cert.pem" connect "$app" --timeout 5 >/dev/null 2>"$work/ca.err"
BROWSER=true SSL_CERT_FILE="$work/cert.pem" ol connect "$app" --timeout 5 >/dev/null 2>"$work/env.err"
set -e
check "--ca-file: TLS is verified against the given CA" \
  bash -c "! grep -qi certificate '$work/ca.err' && grep -q 'discovery' '$work/ca.err'"
check "SSL_CERT_FILE: the same" bash -c "! grep -qi certificate '$work/env.err'"

# A provider that accepts and never answers: --http-timeout bounds the call (exit 6).
port2=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
node -e "require('net').createServer(()=>{}).listen($port2,'127.0.0.1')" &
bg_pids+=($!)
wait_for_port "$port2"
silent=$(ol apps add oidc --issuer "http://127.0.0.1:$port2" --client-id x)
set +e
BROWSER=true ol --http-timeout 1 connect "$silent" --timeout 5 >/dev/null 2>"$work/slow.err"
rc=$?
set -e
check "--http-timeout: a silent provider fails with exit 6" test "$rc" -eq 6
check "the message says it timed out" grep -qi "timed out" "$work/slow.err"
check "no spinner when stderr is not a terminal" bash -c "! grep -q 'waiting for the provider' '$work/slow.err'"
set +e
BROWSER=true ol --timeout 1 connect "$silent" --timeout 5 >/dev/null 2>"$work/alias.err"
rc=$?
set -e
check "--timeout before the command bounds provider calls too" \
  bash -c "test $rc -eq 6 && grep -qi 'timed out' '$work/alias.err'"
if command -v script >/dev/null; then
  BROWSER=true script -qec "'$OAUTHLINK_BIN' --http-timeout 5 connect $silent --timeout 5" /dev/null \
    >"$work/spin.out" 2>&1 || true
  check "a spinner on a terminal while the provider is slow" grep -q "waiting for the provider" "$work/spin.out"
fi
finish
