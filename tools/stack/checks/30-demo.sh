#!/usr/bin/env bash
# Demo data on request (issue 17): tools/demo.sh against the composed stack.
# - refused by the CI stack itself (APP_ENV=production), registering no one;
# - an email someone else registered first (here: grace, signed up through the
#   gateway beforehand) is left alone: no money goes to an account the demo
#   did not create;
# - with APP_ENV=development it registers the other people through auth's
#   sign-up API and prints a passphrase for each, once;
# - run again it changes nothing (same movement count, no new passphrase);
# - a demo person signs in through the gateway with the printed passphrase and
#   the history reaches back about 30 days.
# Run by tools/stack/e2e.sh with STACK_COMPOSE/STACK_PROJECT; prints
# "demo-checks: N passed, N failed".
set -uo pipefail
: "${STACK_COMPOSE:?run me from tools/stack/e2e.sh (tools/stack/checks/), which sets STACK_COMPOSE}"
cd "$(dirname "$0")/../../.." || exit 1
base=${PUBLIC_URL:-http://localhost:${GATEWAY_PORT:-8080}}
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok      $*"; }
fail() { failed=$((failed + 1)); echo "FAILED  $*"; }
demo() { DEMO_COMPOSE="$STACK_COMPOSE" bash tools/demo.sh "$@" 2>&1; }
ledger_sql() { $STACK_COMPOSE exec -T postgres psql -U postgres -d ledger -Atc "$1" 2>/dev/null; }
movements() {
  ledger_sql "SELECT (SELECT count(*) FROM transfers t JOIN accounts a ON a.id = t.from_account_id WHERE a.email LIKE '%@demo.flotilla.example')
                   + (SELECT count(*) FROM deposits d JOIN accounts a ON a.id = d.account_id WHERE a.email LIKE '%@demo.flotilla.example')"
}

out=$(demo); status=$?
if [ "$status" = 64 ] && grep -q 'APP_ENV.*production.*refused' <<<"$out"; then
  ok "refused under APP_ENV=production (exit 64: $(grep -o 'APP_ENV[^)]*' <<<"$out" | head -n 1))"
else
  fail "under APP_ENV=production: exit $status: $out"
fi
refused_accounts=$(ledger_sql "SELECT count(*) FROM accounts WHERE email LIKE '%@demo.flotilla.example'")
if [ "$refused_accounts" = 0 ]; then ok "the refused run registered no one"; else fail "the refused run left ${refused_accounts:-?} demo accounts"; fi

# Someone else signs up as grace first, through the gateway.
# shellcheck disable=SC2016 # the script is JavaScript
BASE="$base" node --input-type=module -e '
  const { register } = await import(`${process.cwd()}/tools/chaos/http.mjs`);
  await register(process.env.BASE, { email: "grace@demo.flotilla.example", displayName: "Not Grace", password: "Xq7v-someone-else-9Lm2w" });
' >/dev/null 2>&1 || fail "could not pre-register grace through the gateway"

out=$(demo -e APP_ENV=development); status=$?
passphrases=$(grep -cE '@demo\.flotilla\.example +[a-z2-9]{5}(-[a-z2-9]{5}){4}$' <<<"$out")
first=$(movements)
if [ "$status" = 0 ] && [ "$passphrases" = 2 ] && grep -q 'demo history: [0-9]* deposits and transfers over the last 30 days written' <<<"$out"; then
  ok "first run: 2 new people, a passphrase each, ${first:-?} movements written"
else
  fail "first run: exit $status, $passphrases passphrases: $out"
fi
grace=$(ledger_sql "SELECT (SELECT count(*) FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE a.email = 'grace@demo.flotilla.example')")
if grep -q 'grace@demo.flotilla.example *registered before: left as it is' <<<"$out" && [ "$grace" = 0 ]; then
  ok "the email someone else registered first got nothing (0 entries)"
else
  fail "grace, registered by someone else first: ${grace:-?} entries: $out"
fi

out2=$(demo -e APP_ENV=development); status=$?
second=$(movements)
if [ "$status" = 0 ] && [ "$second" = "$first" ] && grep -q 'nothing changed' <<<"$out2" && ! grep -qE '[a-z2-9]{5}(-[a-z2-9]{5}){4}$' <<<"$out2"; then
  ok "second run changes nothing ($second movements) and prints no passphrase"
else
  fail "second run: exit $status, movements $first -> $second: $out2"
fi

line=$(grep -E '^ +ada@demo\.flotilla\.example ' <<<"$out" | head -n 1)
email=$(awk '{print $1}' <<<"$line") passphrase=$(awk '{print $2}' <<<"$line")
# shellcheck disable=SC2016 # the script is JavaScript, expanded by node
oldest=$(BASE="$base" EMAIL="$email" PASSPHRASE="$passphrase" node --input-type=module -e '
  const { send, signIn } = await import(`${process.cwd()}/tools/chaos/http.mjs`);
  const jar = await signIn(process.env.BASE, { email: process.env.EMAIL, password: process.env.PASSPHRASE });
  const answer = await send(jar, `${process.env.BASE}/api/history?limit=100`);
  const items = JSON.parse(answer.text).items;
  const days = Math.floor((Date.now() - Math.min(...items.map((i) => Date.parse(i.createdAt)))) / 86_400_000);
  console.log(`${items.length} ${days}`);
' 2>&1 | tail -n 3 | tr '\n' ' ')
read -r rows days _ <<<"$oldest"
if [[ "$days" =~ ^[0-9]+$ ]] && [ "$days" -ge 25 ] && [ "$rows" -ge 10 ]; then
  ok "$email signs in through the gateway with the printed passphrase: $rows history rows, the oldest $days days ago"
else
  fail "signing in as ${email:-?} and reading the history: $oldest"
fi

echo "demo-checks: $passed passed, $failed failed"
[ "$failed" = 0 ]
