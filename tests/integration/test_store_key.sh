#!/usr/bin/env bash
# Encryption at rest (issue 4 "Storage", SECURITY.md E3): after connect and a refresh the
# raw SQLite file and its WAL hold no secret; the key file is 0600; OAUTHLINK_KEY
# overrides it; another key or a malformed one is exit 7 naming the key source;
# `oauthlink status` names the store and the key source.
source "$(dirname "$0")/lib.sh"
start_own_oidc 3600
issuer=$OWN_ISSUER
secret=basic-secret-0123456789abcdef0123456789abcdef

app=$(printf '%s\n' "$secret" | ol apps add oidc --issuer "$issuer" --client-id basic-client --client-secret-stdin)
BROWSER="$UA" ol connect "$app" --timeout 60 >"$work/cred.json" 2>"$work/connect.err"
cred=$(json_get "$work/cred.json" d.credential.id)
at1=$(json_get "$work/cred.json" d.credential.properties.access_token)
rt1=$(json_get "$work/cred.json" d.credential.properties.refresh_token)
at2=$(ol refresh "$cred")
ol credentials show "$cred" --json --reveal >"$work/show.json"
rt2=$(json_get "$work/show.json" d.properties.refresh_token)
raw() { cat "$OAUTHLINK_HOME"/store.db*; }
no_secret() { ! raw | grep -aqF -- "$1"; }
check "the connected credential has tokens to look for" test -n "$at1" -a -n "$rt1" -a -n "$rt2"
check "the raw store holds no client secret" no_secret "$secret"
check "the raw store holds no access token (first or refreshed)" bash -c "$(declare -f raw no_secret); OAUTHLINK_HOME='$OAUTHLINK_HOME'; no_secret '$at1' && no_secret '$at2'"
check "the raw store holds no refresh token (first or rotated)" bash -c "$(declare -f raw no_secret); OAUTHLINK_HOME='$OAUTHLINK_HOME'; no_secret '$rt1' && no_secret '$rt2'"
check "yet the store reads them back" test "$(ol token "$cred")" = "$at2"

check "the key file is created 0600 beside the store (E3)" test "$(file_mode "$OAUTHLINK_HOME/key")" = 600
ol status --json >"$work/status.json"
check "status names the store" test "$(json_get "$work/status.json" d.store)" = "$OAUTHLINK_HOME/store.db"
check "status names the key file as the key source" test "$(json_get "$work/status.json" d.key_source)" = "file $OAUTHLINK_HOME/key"
check "status counts one app and one credential" test "$(json_get "$work/status.json" "d.apps+','+d.credentials")" = "1,1"

other=$(openssl rand -hex 32)
set +e
OAUTHLINK_KEY=$other ol token "$cred" >"$work/wrong.out" 2>"$work/wrong.err"
rc=$?
set -e
check "another key: exit 7" test "$rc" -eq 7
check "another key: the message names OAUTHLINK_KEY as the key source" grep -q "another key than the one from OAUTHLINK_KEY" "$work/wrong.err"
check "another key: no token printed" test ! -s "$work/wrong.out"
set +e
OAUTHLINK_KEY=not-a-key ol status >/dev/null 2>"$work/bad.err"
rc=$?
set -e
check "a malformed OAUTHLINK_KEY: exit 7 with the expected format" bash -c "test $rc -eq 7 && grep -q '64 hex digits' '$work/bad.err'"

chmod 644 "$OAUTHLINK_HOME/key"
set +e
ol status >/dev/null 2>"$work/loose.err"
rc=$?
set -e
chmod 600 "$OAUTHLINK_HOME/key"
check "a group-readable key file is refused: exit 7 (E3)" bash -c "test $rc -eq 7 && grep -q 'chmod 600' '$work/loose.err'"

# The environment key overrides the file: a second store written with OAUTHLINK_KEY only.
home2="$work/home2"
OAUTHLINK_KEY=$other ol --home "$home2" status --json >"$work/status2.json"
check "OAUTHLINK_KEY overrides the key file" test "$(json_get "$work/status2.json" d.key_source)" = OAUTHLINK_KEY
check "with OAUTHLINK_KEY no key file is written" test ! -e "$home2/key"
printf '%s\n' "$secret" | OAUTHLINK_KEY=$other ol --home "$home2" apps add oidc --issuer "$issuer" --client-id basic-client --client-secret-stdin >/dev/null
set +e
ol --home "$home2" status >/dev/null 2>"$work/nokey.err"
rc=$?
set -e
check "that store without OAUTHLINK_KEY: exit 7 naming the missing key file" bash -c "test $rc -eq 7 && grep -q 'key file $home2/key is missing' '$work/nokey.err'"
check "... and no new key file was made for it" test ! -e "$home2/key"
finish
