#!/usr/bin/env bash
# The command-line contract on the built binary: help, version, usage errors and their
# exit codes, the catalog commands, apps and redirects, and the store's permissions.
source "$(dirname "$0")/lib.sh"

status_of() { set +e; "$@" >"$work/out" 2>"$work/err"; local rc=$?; set -e; echo "$rc"; }

check "--version prints the version" bash -c "'$OAUTHLINK_BIN' --version | grep -qE '^oauthlink [0-9]+\.[0-9]+\.[0-9]+$'"
check "--help exits 0" test "$(status_of ol --help)" -eq 0
for cmd in providers "providers list" "providers show" "providers check" apps "apps add" "apps list" \
  "apps show" "apps remove" redirects "redirects add" "redirects list" "redirects remove" connect \
  credentials "credentials list" "credentials show" "credentials export" "credentials delete" sandbox token refresh doctor; do
  # shellcheck disable=SC2086
  check "$cmd --help exits 0 and shows usage" bash -c "'$OAUTHLINK_BIN' $cmd --help | grep -q Usage"
done
check "an unknown flag exits 2" test "$(status_of ol --no-such-flag providers list)" -eq 2
check "an unknown subcommand exits 2" test "$(status_of ol frobnicate)" -eq 2
check "a missing argument exits 2" test "$(status_of ol connect)" -eq 2

check "providers list has github" bash -c "'$OAUTHLINK_BIN' providers list | grep -qE '^github +GitHub'"
check "providers list --json is an array of slugs" \
  bash -c "'$OAUTHLINK_BIN' providers list --json | node -e \"let s='';process.stdin.on('data',c=>s+=c).on('end',()=>process.exit(JSON.parse(s).some(p=>p.slug==='oidc')?0:1))\""
check "providers show --json has the token URL" \
  bash -c "'$OAUTHLINK_BIN' providers show github --json | grep -q '\"token_url\": \"https://github.com/login/oauth/access_token\"'"
check "providers show names the redirect URI to register" \
  bash -c "'$OAUTHLINK_BIN' providers show slack | grep -q 'http://127.0.0.1/callback/slack'"
check "providers show of an unknown slug exits 2" test "$(status_of ol providers show nope)" -eq 2
status_of ol providers show nope --json >/dev/null
check "with --json the error is one JSON object on stderr" \
  bash -c "node -e \"const d=JSON.parse(require('fs').readFileSync('$work/err','utf8'));process.exit(d.error.kind==='usage'&&d.error.exit_code===2&&/nope/.test(d.error.message)?0:1)\""
check "with --json stdout stays empty on error" test ! -s "$work/out"

printf '[x]\nname = "X"\ndocs = "https://d.example"\nauthorization_url = "https://a.example"\ntoken_url = "https://t.example"\npkce = "sometimes"\n' >"$work/bad.toml"
check "providers check of a bad catalog exits 7" test "$(status_of ol providers check "$work/bad.toml")" -eq 7
check "the error names file, line, provider and field" \
  grep -qF "bad.toml:6: provider 'x': pkce: 'sometimes' is not one of required, supported, forbidden" "$work/err"
check "providers check of the shipped catalog passes" test "$(status_of ol providers check "$OAUTHLINK_CATALOG")" -eq 0
check "a bad --catalog fails every command with exit 7" test "$(status_of ol --catalog "$work/bad.toml" providers list)" -eq 7

# A user catalog in the XDG config directory overlays the shipped one.
mkdir -p "$XDG_CONFIG_HOME/oauthlink"
printf '[acme]\nname = "Acme"\ndocs = "https://acme.example/oauth"\nauthorization_url = "https://acme.example/a"\ntoken_url = "https://acme.example/t"\n' \
  >"$XDG_CONFIG_HOME/oauthlink/providers.toml"
check "a user catalog adds providers" bash -c "'$OAUTHLINK_BIN' providers list | grep -q '^acme '"
check "--catalog FILE stands alone, without the user catalog" \
  bash -c "! '$OAUTHLINK_BIN' --catalog '$OAUTHLINK_CATALOG' providers list | grep -q '^acme '"
rm -rf "$XDG_CONFIG_HOME/oauthlink"

# Secrets never come from argv (E1).
check "--client-secret on argv is refused with exit 2" \
  test "$(status_of ol apps add github --client-id x --client-secret hunter2)" -eq 2
check "the refusal names the safe options" grep -q "client-secret-stdin" "$work/err"
check "the refusal does not echo the secret" bash -c "! grep -q hunter2 '$work/err'"
check "a mistyped option does not echo its value" \
  test "$(status_of ol apps add github --client-id x --clientsecret hunter3)" -eq 2
check "the stray words are not printed" bash -c "! grep -q hunter3 '$work/err'"
status_of ol apps show "$(printf 'app_\033]0;pwned\007\033[2J')" >/dev/null
check "control characters in messages are escaped, not sent to the terminal" \
  bash -c "grep -q 'x1b' '$work/err' && ! grep -q \$'\033' '$work/err'"

# On a terminal, --client-secret-stdin prompts and does not echo (E1: from the tty).
if command -v script >/dev/null; then
  # The secret is typed only once the prompt is shown and the terminal's echo is off (a
  # fixed delay would race a slow start); the input stays open until the command ends.
  mkfifo "$work/tty.in"
  script -qec "'$OAUTHLINK_BIN' apps add github --client-id tty --client-secret-stdin" /dev/null \
    <"$work/tty.in" >"$work/tty.out" 2>&1 &
  tty_pid=$!
  bg_pids+=("$tty_pid")
  exec 4>"$work/tty.in"
  prompt_shown_without_echo() {
    grep -q "Client secret for tty:" "$work/tty.out" || return 1
    local child pts flags
    child=$(ps -o pid= --ppid "$tty_pid") || return 1
    pts=$(readlink "/proc/${child//[^0-9]/}/fd/0") || return 1
    flags=$(stty -F "$pts" -a) || return 1
    grep -qw -- -echo <<<"$flags"
  }
  wait_until "the tty prompt with echo off" prompt_shown_without_echo 2>/dev/null || true
  printf 'tty-secret-0123456789\n' >&4
  wait "$tty_pid" || true
  exec 4>&-
  check "tty: a prompt is shown" grep -q "Client secret for tty:" "$work/tty.out"
  check "tty: the secret is not echoed" bash -c "! grep -q tty-secret '$work/tty.out'"
  tty_app=$(grep -oE 'app_[a-z2-7]{24}' "$work/tty.out" | head -1)
  check "tty: the secret was stored" bash -c "'$OAUTHLINK_BIN' apps show '$tty_app' --json | grep -q '(len=21)'"
fi

# On a terminal, connect shows a countdown while it waits; without one it does not.
cd_app=$(printf 'x-secret-0123456789\n' | ol apps add github --client-id cd --client-secret-stdin)
if command -v script >/dev/null; then
  # 5 s: a slow start under load must not use up the whole wait before the first frame.
  BROWSER=true script -qec "'$OAUTHLINK_BIN' connect $cd_app --timeout 5" /dev/null >"$work/countdown.out" 2>&1 || true
  check "tty: a countdown is shown while waiting" grep -q "Waiting for the browser… 0:0[1-5] left" "$work/countdown.out"
  check "tty: the timeout is reported" grep -q "no callback within 5 s" "$work/countdown.out"
fi
BROWSER=true ol connect "$cd_app" --timeout 1 >/dev/null 2>"$work/nocountdown.err" || true
check "no terminal: no countdown" bash -c "! grep -q 'Waiting for the browser' '$work/nocountdown.err'"
ol apps remove "$cd_app" >/dev/null

# Registration checks.
check "http token URL off loopback is refused with exit 2" \
  test "$(status_of ol apps add github --client-id x --token-url http://as.example/token)" -eq 2
check "an http issuer that only looks like loopback is refused with exit 2" \
  test "$(status_of ol apps add oidc --client-id x --issuer http://127.0.0.1.evil.example)" -eq 2
check "connect with an unknown app id exits 1 and says what to do" \
  test "$(status_of ol connect app_doesnotexist)" -eq 1
check "the message points at apps list" grep -q "oauthlink apps list" "$work/err"
check "--home works without HOME in the environment" \
  bash -c "env -u HOME -u XDG_CONFIG_HOME -u XDG_DATA_HOME '$OAUTHLINK_BIN' --home '$work/nohome' apps list >/dev/null"
check "oidc without --issuer is refused" test "$(status_of ol apps add oidc --client-id x)" -eq 2
check "an unknown --set key is refused" test "$(status_of ol apps add github --client-id x --set tenant=y)" -eq 2
check "client_secret_basic without a secret is refused" \
  test "$(status_of ol apps add github --client-id x --auth-method client_secret_basic)" -eq 2

umask 000
app=$(printf 'S3cr3t-value-0123456789\n' | ol apps add github --client-id Iv1.abc --client-secret-stdin --scopes "repo read:user")
umask 022
check "apps add prints only the app id" bash -c "[[ '$app' =~ ^app_[a-z2-7]{24}$ ]]"
check "the store is 0600 even with umask 000" test "$(file_mode "$OAUTHLINK_HOME/store.db")" = 600
check "the store directory is 0700" test "$(file_mode "$OAUTHLINK_HOME")" = 700
check "apps show --json masks the secret" bash -c "'$OAUTHLINK_BIN' apps show $app --json | grep -q '\"client_secret\": \"S3cr…(len=23)\"'"
check "apps list shows the app" bash -c "'$OAUTHLINK_BIN' apps list | grep -q '$app'"
check "the secret is nowhere in apps list --json" bash -c "! '$OAUTHLINK_BIN' apps list --json | grep -q S3cr3t-value"
printf 'file-secret-abcdefghij\n' >"$work/secret"
app2=$(ol apps add microsoft --client-id m --client-secret-file "$work/secret" --set tenant=contoso --json | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).id))")
check "apps add --json with --client-secret-file" bash -c "[[ '$app2' =~ ^app_ ]]"
check "apps remove" test "$(status_of ol apps remove "$app2")" -eq 0
check "apps show of a removed app fails" test "$(status_of ol apps show "$app2")" -ne 0

# Redirect URIs.
check "redirects add of a plain-http non-loopback URI exits 2" \
  test "$(status_of ol redirects add http://app.example/cb)" -eq 2
check "redirects add of a loopback template" test "$(status_of ol redirects add 'http://127.0.0.1:8765/callback/:provider')" -eq 0
check "redirects list --json" bash -c "'$OAUTHLINK_BIN' redirects list --json | grep -q 8765"
check "redirects remove" test "$(status_of ol redirects remove 'http://127.0.0.1:8765/callback/:provider')" -eq 0

# The store refuses to be exposed (E3).
chmod 644 "$OAUTHLINK_HOME/store.db"
check "a group-readable store is refused with exit 7" test "$(status_of ol apps list)" -eq 7
check "the refusal says how to fix it" grep -q "chmod 600" "$work/err"
chmod 600 "$OAUTHLINK_HOME/store.db"
ln -s "$OAUTHLINK_HOME" "$work/linked-home"
check "a symlinked store directory is refused" test "$(status_of ol --home "$work/linked-home" apps list)" -eq 7
check "--home chooses another store" bash -c "'$OAUTHLINK_BIN' --home '$work/other' apps list >/dev/null && test -f '$work/other/store.db'"
finish
