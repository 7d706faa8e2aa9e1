#!/usr/bin/env bash
# `make demo`: run the quickstart (Pulumi.yaml) against the local Northflank API emulator, then show
# what the emulator recorded. With the Pulumi CLI (present, or installed by its official
# installer): `pulumi up`, `pulumi refresh`, a change of image and `pulumi up` again, on a local
# file state backend. Where the CLI cannot run: the same quickstart walked through the real
# provider plugin without the engine (scripts/walkthrough.py), labelled as such.
# NORTHFLANK_DEMO_CLI=skip takes that second path without looking for the CLI (the tests do).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
DEMO_DIR="$PWD/.demo"
TOKEN=nf-emulator-token # the emulator's well-known demo token, not a real one
STACK=demo
NEW_IMAGE=ghcr.io/acme/migrate:1.5.0 # the second `up` deploys it

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf '\nmake demo failed: %s\n' "$*" >&2
  exit 1
}

step "Python environment in $VENV (the quickstart's virtualenv, see Pulumi.yaml)"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV" || fail "could not create a virtualenv with '$PYTHON': Python 3.10 or newer, with venv, is required."
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e . -e ./emulator -e ./devtools ||
  fail "pip could not install pulumi-northflank, the emulator and the dev tools into $VENV (is PyPI reachable?)."

step "Pulumi CLI"
export PATH="$HOME/.pulumi/bin:$PATH"
cli_missing=""
if [ "${NORTHFLANK_DEMO_CLI:-}" = skip ]; then
  cli_missing="not looked for (NORTHFLANK_DEMO_CLI=skip)"
elif ! command -v pulumi >/dev/null 2>&1; then
  echo "The Pulumi CLI is not installed: installing it with the official installer (https://get.pulumi.com)."
  if ! command -v curl >/dev/null 2>&1; then
    cli_missing="not installed, and curl (which its official installer needs) is missing too"
  elif ! curl -fsSL --connect-timeout 15 --max-time 300 https://get.pulumi.com | sh; then
    cli_missing="not installed, and its official installer could not download it (is https://get.pulumi.com reachable?)"
  elif ! command -v pulumi >/dev/null 2>&1; then
    cli_missing="installed, but 'pulumi' is still not on PATH (expected in \$HOME/.pulumi/bin)"
  fi
fi
if [ -z "$cli_missing" ]; then
  pulumi version
fi

step "Northflank API emulator (state kept in .demo/emulator-state.json)"
mkdir -p "$DEMO_DIR/backend"
"$VENV/bin/python" -m northflank_emulator --port "${DEMO_PORT:-0}" --token "$TOKEN" \
  --state-file "$DEMO_DIR/emulator-state.json" >"$DEMO_DIR/emulator.log" 2>&1 &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true' EXIT
API_URL=""
for _ in $(seq 1 100); do
  API_URL=$(sed -n 's/^Northflank API emulator listening on //p' "$DEMO_DIR/emulator.log")
  [ -n "$API_URL" ] && break
  kill -0 "$EMULATOR_PID" 2>/dev/null || fail "the emulator did not start: $(cat "$DEMO_DIR/emulator.log")"
  sleep 0.1
done
[ -n "$API_URL" ] || fail "the emulator did not report its address within 10 s."
echo "Listening on $API_URL"
curl -fsS -X DELETE "$API_URL/_emulator/requests" >/dev/null

if [ -n "$cli_missing" ]; then
  echo "The Pulumi CLI is $cli_missing: walking the same quickstart through the provider plugin, without the engine."
  step "Quickstart walk-through without the Pulumi engine (the real provider plugin, driven as pulumi up would)"
  "$VENV/bin/python" scripts/walkthrough.py --api-url "$API_URL" --token "$TOKEN"
  echo
  echo "With the Pulumi CLI installed (https://www.pulumi.com/docs/install/), 'make demo' runs the real"
  echo "'pulumi up', 'pulumi refresh' and 'pulumi up' instead."
else
  step "Stack '$STACK' on a local file backend (.demo/backend)"
  export PULUMI_BACKEND_URL="file://$DEMO_DIR/backend"
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-demo-passphrase}"
  export PULUMI_SKIP_UPDATE_CHECK=1
  pulumi stack select --create "$STACK" --non-interactive
  pulumi config set --stack "$STACK" northflank:apiUrl "$API_URL"
  pulumi config set --stack "$STACK" --secret northflank:apiToken "$TOKEN"
  pulumi config rm --stack "$STACK" image >/dev/null 2>&1 || true # start from the default image

  step "pulumi up"
  pulumi up --stack "$STACK" --yes --non-interactive

  step "pulumi refresh (reads the deployment back: no drift expected)"
  pulumi refresh --stack "$STACK" --yes --non-interactive

  step "pulumi config set image $NEW_IMAGE, then pulumi up (an update of the deployment)"
  pulumi config set --stack "$STACK" image "$NEW_IMAGE"
  pulumi up --stack "$STACK" --yes --non-interactive
fi

step "What the emulator recorded"
"$VENV/bin/python" - "$API_URL" "$TOKEN" <<'PY'
import json
import sys
import urllib.request

api_url, token = sys.argv[1], sys.argv[2]
with urllib.request.urlopen(f"{api_url}/_emulator/requests") as answer:
    for call in json.load(answer)["data"]:
        body = json.dumps(call["body"]) if call["body"] else ""
        print(f"  {call['method']:4} {call['path']} -> {call['status']} {body}")
print("\nThe job's deployment as Northflank reports it (GET .../deployment):")
request = urllib.request.Request(
    f"{api_url}/v1/projects/demo-project/jobs/db-migrate/deployment",
    headers={"Authorization": f"Bearer {token}"},
)
with urllib.request.urlopen(request) as answer:
    print(json.dumps(json.load(answer)["data"], indent=2))
PY
