#!/usr/bin/env bash
# Alerts reach a person (issue 14, finding 10): stops the api, waits for its
# alert to fire, and reads Alertmanager's email from the mail catcher's REST
# API (MailDev, GET /api/email); then starts the api again and reads the
# "resolved" mail. The stack runs with the CI alerting timings
# (tools/stack/fast-alerting.sh, set up by e2e.sh): with the production ones
# the alert fires after 2 minutes and more.
# Which alert: a stopped container's name no longer resolves, but on the
# stack's internal networks Docker's DNS answers that with an error (it cannot
# forward the query), not NXDOMAIN, and Prometheus's DNS discovery keeps the
# last targets it had on an error. So the api's target stays and is scraped as
# down: TargetDown fires. Where the lookup does answer NXDOMAIN the target goes
# and ServiceHasNoTargets fires instead. Either one is the page.
#   STACK_CHECKS=tools/stack/checks/40-alert-mail.sh bash tools/stack/e2e.sh
# Prints "alert-mail-checks: N passed, N failed".
set -uo pipefail
: "${STACK_COMPOSE:?run me from tools/stack/e2e.sh (STACK_CHECKS=tools/stack/checks/40-alert-mail.sh), which sets STACK_COMPOSE}"
FIRE_TIMEOUT=${ALERT_MAIL_FIRE_TIMEOUT:-120}
RESOLVE_TIMEOUT=${ALERT_MAIL_RESOLVE_TIMEOUT:-120}
passed=0
failed=0
ok() { echo "ok    $1"; passed=$((passed + 1)); }
fail() { echo "FAIL  $1"; failed=$((failed + 1)); }
finish() {
  echo "alert-mail-checks: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# The catcher's API as published for tests (127.0.0.1:${MAILCATCHER_PORT:-1080}).
published=$($STACK_COMPOSE port mailcatcher 1080 2>/dev/null | tail -n 1)
if [ -z "$published" ]; then
  fail "the mail catcher publishes its API"
  finish
fi
api="http://$published/api"
if curl -fsS --max-time 5 "$api/healthz" | grep -qx true; then
  ok "mail catcher API answers on $published"
else
  fail "mail catcher API answers on $published"
  finish
fi

# mails STATUS: the number of alert mails with that status (FIRING/RESOLVED)
# for TargetDown or ServiceHasNoTargets on the api, addressed to the on-call address.
mails() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  curl -fsS --max-time 5 "$api/email" 2>/dev/null | STATUS=$1 node -e '
    let body = "";
    process.stdin.on("data", (c) => (body += c)).on("end", () => {
      const all = JSON.parse(body || "[]");
      const hits = all.filter((m) =>
        /^\[[A-Z]+\] (TargetDown|ServiceHasNoTargets) api /.test(m.subject ?? "") &&
        m.subject.startsWith(`[${process.env.STATUS}] `) &&
        (m.to ?? []).concat(m.envelope?.to ?? []).some((t) => t.address === "oncall@flotilla.invalid") &&
        /TargetDown|ServiceHasNoTargets/.test(m.html ?? m.text ?? ""));
      console.log(hits.length);
    });' 2>/dev/null || echo 0
}
alerts() {
  $STACK_COMPOSE exec -T alertmanager wget -qO- http://127.0.0.1:9093/api/v2/alerts 2>/dev/null | head -c 2000
  echo
}

firing_before=$(mails FIRING)
resolved_before=$(mails RESOLVED)
start=$SECONDS
if $STACK_COMPOSE stop api >/dev/null 2>&1; then
  ok "api stopped"
else
  fail "api stopped"
  finish
fi

deadline=$((SECONDS + FIRE_TIMEOUT))
while [ "$SECONDS" -lt "$deadline" ] && [ "$(mails FIRING)" -le "$firing_before" ]; do sleep 2; done
if [ "$(mails FIRING)" -gt "$firing_before" ]; then
  ok "alert mail '[FIRING] TargetDown|ServiceHasNoTargets api' in the catcher $((SECONDS - start))s after the api stopped"
else
  fail "alert mail '[FIRING] TargetDown|ServiceHasNoTargets api' within ${FIRE_TIMEOUT}s (is the stack on tools/stack/fast-alerting.sh timings?)"
  echo "      Alertmanager's alerts: $(alerts)"
  echo "      catcher subjects: $(curl -fsS --max-time 5 "$api/email" | node -pe 'JSON.parse(require("fs").readFileSync(0)).map((m) => m.subject).join(" | ")' 2>&1)"
fi

# Back to a healthy stack for the checks that follow.
$STACK_COMPOSE start api >/dev/null 2>&1
deadline=$((SECONDS + 90)) health=
while [ "$SECONDS" -lt "$deadline" ]; do
  health=$(docker inspect --format '{{.State.Health.Status}}' "$($STACK_COMPOSE ps -q api | head -n 1)" 2>/dev/null)
  [ "$health" = healthy ] && break
  sleep 2
done
if [ "$health" = healthy ]; then ok "api healthy again"; else fail "api healthy again (status: ${health:-none})"; fi
# The gateway resolved the api's address at its start, and a restarted
# container may get another one: a reload re-resolves it, so the checks that
# follow find the stack as it was. Then the api must answer through the
# gateway again (its own 404 for an unknown route, not the gateway's 502).
$STACK_COMPOSE exec -T gateway nginx -s reload >/dev/null 2>&1
deadline=$((SECONDS + 30)) code=
while [ "$SECONDS" -lt "$deadline" ]; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${PUBLIC_URL:-http://localhost:${GATEWAY_PORT:-8080}}/api/alert-mail-check")
  [ "$code" = 404 ] && break
  sleep 2
done
if [ "$code" = 404 ]; then ok "the api answers through the gateway again"; else fail "the api answers through the gateway again (HTTP ${code:-none})"; fi

start=$SECONDS
deadline=$((SECONDS + RESOLVE_TIMEOUT))
while [ "$SECONDS" -lt "$deadline" ] && [ "$(mails RESOLVED)" -le "$resolved_before" ]; do sleep 2; done
if [ "$(mails RESOLVED)" -gt "$resolved_before" ]; then
  ok "resolved mail '[RESOLVED] TargetDown|ServiceHasNoTargets api' $((SECONDS - start))s after the api was back"
else
  fail "resolved mail '[RESOLVED] TargetDown|ServiceHasNoTargets api' within ${RESOLVE_TIMEOUT}s"
  echo "      Alertmanager's alerts: $(alerts)"
fi
finish
