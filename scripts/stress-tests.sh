#!/usr/bin/env bash
# Run the tests that start processes or depend on timing (pytest -m processes) N times in a row,
# beside a CPU hog (one busy Python process per core, started here and stopped by its pid), and
# stop at the first failure. The closing line gives how many rounds passed.
#
#   bash scripts/stress-tests.sh            # 20 rounds
#   bash scripts/stress-tests.sh 5 tests/training/test_kill.py   # 5 rounds of one file's marked tests
#
# Uses $PYTHON (default: python) and, for the tests that train, $LRLAB_DATA_DIR.
set -u
rounds=${1:-20}
shift || true
paths=("$@")
[ ${#paths[@]} -eq 0 ] && paths=(tests)
python=${PYTHON:-python}
cd "$(dirname "$0")/.."

hogs=()
stop_hogs() { for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop_hogs EXIT
for _ in $(seq "$(nproc)"); do
    "$python" -c "while True: pass" &
    hogs+=($!)
done

passed=0
for round in $(seq "$rounds"); do
    started=$(date +%s)
    if ! "$python" -m pytest -m processes -q -p no:cacheprovider "${paths[@]}" > "stress-round.log" 2>&1; then
        tail -30 stress-round.log
        echo "stress: round $round FAILED after $passed passing rounds (log: stress-round.log)"
        exit 1
    fi
    passed=$round
    echo "stress: round $round passed ($(tail -1 stress-round.log | tr -d '=' | xargs), $(( $(date +%s) - started )) s)"
done
rm -f stress-round.log
echo "stress: $passed of $rounds rounds passed under load"
