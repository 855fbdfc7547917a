#!/usr/bin/env bash
# cli-i18n.sh — switchyard-cli in Simplified Chinese: with LANGUAGE=zh_CN (and no locale
# installed: LANG and LC_ALL unset) a lesson's lines come out in Chinese, while what
# programs read stays as it is: the scenario names of `list`, the trace JSON, the bench lines.
set -euo pipefail

cli=${SW_CLI:?SW_CLI}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail () { echo "FAIL: $*"; exit 1; }
expect () { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "no “$2” in $1"; }; }

zh () { env -u LC_ALL -u LC_MESSAGES -u LANG LANGUAGE=zh_CN "$@"; }

zh "$cli" run thread-pool --set scale=0.05 --trace "$tmp/trace.json" >"$tmp/out" 2>"$tmp/err"
expect "$tmp/out" "主程序：10 个任务，交给由 4 个线程组成的池，异步提交"
expect "$tmp/out" "任务 10 运行在进程 "
expect "$tmp/out" "的完成回调运行在进程 "
expect "$tmp/out" "主程序用时 "
expect "$tmp/out" "小结：墙钟时间 "
# Not one English lesson line left.
if grep -E 'is running in process|main done in|summary: wall' "$tmp/out"; then
  fail "English lesson lines in a Chinese run"
fi
expect "$tmp/err" "跟踪记录已写入 $tmp/trace.json"
# The trace is for programs: its keys and event kinds are as always.
expect "$tmp/trace.json" '"traceEvents"'
expect "$tmp/trace.json" '"ph"'

# A bad --set: the error is Chinese, the key it names is not.
if zh "$cli" run thread-pool --set wrokers=2 >"$tmp/out" 2>"$tmp/err"; then
  fail "a bad parameter was accepted"
fi
expect "$tmp/err" "场景“thread-pool”没有参数“wrokers”"

# list: machine names first, then the translated title.
zh "$cli" list >"$tmp/list"
expect "$tmp/list" "thread-pool	线程池"
expect "$tmp/list" "process-pool	进程池"

# bench lines stay "bench NAME VALUE UNIT".
zh "$cli" bench record >"$tmp/bench"
grep -qE '^bench [a-z0-9_]+ [0-9.e+-]+ [A-Za-z/_%]+$' "$tmp/bench" || { cat "$tmp/bench"; fail "no bench line"; }
if grep -v -e '^bench ' -e '^# ' "$tmp/bench" | grep -q .; then cat "$tmp/bench"; fail "a non-bench line"; fi

# And without LANGUAGE, English as before.
env -u LANGUAGE LC_ALL=C.UTF-8 "$cli" run thread-pool --set scale=0.05 >"$tmp/out"
expect "$tmp/out" "main done in "
echo "ok: Chinese lesson lines, machine lines unchanged"
