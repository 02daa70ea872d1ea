#!/usr/bin/env bash
# The test suite behind `make test` (which has already linted and built the binaries): starts a
# local stack, then runs every test of the workspace in one `cargo test --workspace`: the crates'
# own tests (unit tests; integration tests that start their own moto) and the end-to-end tests
# (tests/) against that stack; then the load test (local/load-test) against it. The stack is
# stopped on exit. One invocation means one feature resolution, so nothing is compiled twice
# (`-p`/`--exclude` would resolve features anew).
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_SERVER="$PWD/.venv/moto/bin/moto_server"
STACK_FILE="$PWD/target/local/test-stack.json"
STACK_LOG="$PWD/target/local/test-stack.log"
export CFP_MOTO_SERVER="$MOTO_SERVER"

echo "==> starting the local stack"
mkdir -p target/local
rm -f "$STACK_FILE"
target/debug/cfp-local up --moto-server "$MOTO_SERVER" --api-port 0 --lambda-port 0 \
  --stack-file "$STACK_FILE" >"$STACK_LOG" 2>&1 &
stack_pid=$!
stop_stack() {
  kill -INT "$stack_pid" 2>/dev/null || true
  wait "$stack_pid" 2>/dev/null || true
}
trap stop_stack EXIT

for _ in $(seq 1 120); do
  [ -f "$STACK_FILE" ] && break
  if ! kill -0 "$stack_pid" 2>/dev/null; then
    echo "the local stack exited before it was up; its log:" >&2
    cat "$STACK_LOG" >&2
    exit 1
  fi
  sleep 0.5
done
if [ ! -f "$STACK_FILE" ]; then
  echo "the local stack did not come up within 60 s; its log:" >&2
  cat "$STACK_LOG" >&2
  exit 1
fi

status=0
echo "==> every test of the workspace"
# The end-to-end tests mostly wait on the stack's asynchronous deliveries: more threads than cores.
CFP_STACK_FILE="$STACK_FILE" CFP_STACK_LOG="$STACK_LOG" cargo test --workspace --no-fail-fast -- --test-threads 8 || status=$?
# After the tests, so it competes with none of them: 2,000 proposals from 50 clients, then every
# 201 stored and mailed exactly once, no 5xx (figures printed; a lost or doubled one fails).
echo "==> load: nothing lost (local/load-test)"
load_status=0
target/debug/cfp-load-test --stack-file "$STACK_FILE" || load_status=$?
if [ "$status" -eq 0 ]; then
  status=$load_status
fi
if [ "$status" -ne 0 ]; then
  echo "==> tests failed; the last 200 lines of the local stack's log ($STACK_LOG):" >&2
  tail -n 200 "$STACK_LOG" >&2
fi
exit "$status"
