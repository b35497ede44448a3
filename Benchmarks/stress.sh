#!/bin/sh
# Refuge under concurrent pushes, measured in one run on repositories this script builds in a temp dir:
# STRESS_PUSHERS clones (Refuge's client hooks) push at once to one bare server (Refuge's server hooks)
# while STRESS_DRAINERS loops run `git refuge drain` in the server, so that many processes write the
# audit log at the same time.
#   phase 1, distinct refs: each pusher pushes STRESS_PUSHES commits, one push each, to its own branch
#            p<N> (a creation, then fast-forwards)
#   phase 2, same ref: each pusher pushes min(STRESS_PUSHES, 5) commits to the one branch `shared`; a
#            refused push is followed by `git pull --rebase` and retried (at most 50 tries per push)
# Then, after a last drain, it checks the server's log (`git refuge log --json`): every accepted push is
# recorded exactly once (a server `accepted` row with its ref and new id), no update twice, each ref's
# rows chain from its creation to the server's tip, `git refuge verify` says intact, and no stderr line
# of a push, pull, commit or drain says "locked" (SQLite's "database is locked" must never reach a user).
# It is a measurement: it exits 0 whatever the throughput, and 1 only when something is broken (a record
# missing or duplicated, a gap in a ref's rows, the chain not intact, "locked" seen, a drain failing, or
# the set-up failing).
#
#   REFUGE_BIN=...       the binary (default .build/release/git-refuge if built, else .build/debug/git-refuge)
#   STRESS_PUSHERS=32    concurrent pushers (one clone each)
#   STRESS_PUSHES=20     pushes per pusher in phase 1 (phase 2: min(STRESS_PUSHES, 5) per pusher)
#   STRESS_DRAINERS=4    background `git refuge drain` loops in the server during both phases
#   KEEP=1               keep the temp dir
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${REFUGE_BIN:-}" ]; then
  bin=$REFUGE_BIN
elif [ -x "$root/.build/release/git-refuge" ]; then
  bin=$root/.build/release/git-refuge
else
  bin=$root/.build/debug/git-refuge
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
[ -x "$bin" ] || { echo "stress.sh: no git-refuge binary at $bin (set REFUGE_BIN)" >&2; exit 1; }
# The hook shims honour REFUGE_BIN: export the absolute path so that the hooks run this very binary.
REFUGE_BIN=$bin
export REFUGE_BIN
command -v python3 >/dev/null 2>&1 || { echo "stress.sh: python3 is needed to read the JSON" >&2; exit 1; }

pushers=${STRESS_PUSHERS:-32}
pushes=${STRESS_PUSHES:-20}
drainers=${STRESS_DRAINERS:-4}
for v in "$pushers" "$pushes" "$drainers"; do
  case $v in ''|*[!0-9]*) echo "stress.sh: STRESS_PUSHERS, STRESS_PUSHES and STRESS_DRAINERS take numbers" >&2; exit 1 ;; esac
done
[ "$pushers" -ge 1 ] && [ "$pushes" -ge 1 ] || { echo "stress.sh: at least 1 pusher and 1 push" >&2; exit 1; }
rounds=$pushes; [ "$rounds" -le 5 ] || rounds=5   # phase 2 pushes per pusher
max_tries=50

work=$(mktemp -d "${TMPDIR:-/tmp}/refuge-stress.XXXXXX")
jobs_started=
stop_jobs() {
  : > "$work/stop" 2>/dev/null || true
  # Only the background jobs this script started, by their ids.
  [ -z "$jobs_started" ] || kill $jobs_started 2>/dev/null || true
  [ -z "$jobs_started" ] || wait $jobs_started 2>/dev/null || true
  jobs_started=
}
cleanup() {
  stop_jobs
  if [ "${KEEP:-0}" = 1 ]; then echo "(kept $work)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private HOME (no ~/.gitconfig); /etc/gitconfig still applies. A fixed identity.
HOME=$work/home
mkdir -p "$HOME"
GIT_AUTHOR_NAME=Stress GIT_AUTHOR_EMAIL=stress@example.com
GIT_COMMITTER_NAME=Stress GIT_COMMITTER_EMAIL=stress@example.com
export HOME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset GIT_DIR GIT_WORK_TREE GIT_CONFIG_GLOBAL GIT_CONFIG_PARAMETERS GL_USER REMOTE_USER REFUGE_DATABASE 2>/dev/null || true
git config --global init.defaultBranch main
git config --global advice.detachedHead false
git config --global advice.pushUpdateRejected false   # a refused push in phase 2 is expected: no hint text
git config --global gc.auto 0                         # no auto-gc in the middle of a phase
git config --global maintenance.auto false

die() { echo "stress.sh: $*" >&2; exit 1; }
now() { date +%s%N; }
# quiet CMD...: run it, show its output only when it fails.
quiet() { "$@" > "$work/.out" 2>&1 || { cat "$work/.out" >&2; die "failed: $*"; }; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > a) printf "%.1f", n / ((b - a) / 1e9); else print "inf" }'; }
# lines FILES...: the number of lines in these files (0 when there are none).
lines() { cat "$@" 2>/dev/null | wc -l | tr -d ' '; }

echo "Refuge stress: $pushers concurrent pushers, $drainers drain loops, one server"
echo "$(git --version), nproc $(nproc), $(uname -sm)"
echo "binary: $bin ($("$bin" --version 2>/dev/null || echo '?'))"
echo "phase 1: $pushes pushes per pusher to its own branch; phase 2: $rounds per pusher to one branch" \
  "(min(STRESS_PUSHES, 5), to keep the run short), at most $max_tries tries per push"
case $bin in */debug/*) echo "note: a debug build; the drains start it, a release build is faster" ;; esac

# ---- set-up -------------------------------------------------------------------------------------------
cd "$work"
mkdir err ok fail tries drain
server=$work/server.git
git init -q --bare "$server"
quiet "$bin" install -C "$server"
git clone -q "$server" c1 2>/dev/null || die "clone 1 failed"
quiet "$bin" install -C c1
(cd c1 && echo base > base && git add base && git commit -q -m base && git push -q origin main) ||
  die "base push failed"
base=$(git -C "$server" rev-parse refs/heads/main)
i=2
while [ "$i" -le "$pushers" ]; do
  git clone -q "$server" "c$i" 2>/dev/null || die "clone $i failed"
  quiet "$bin" install -C "c$i"
  i=$((i + 1))
done
quiet "$bin" drain -C "$server"   # the base push, recorded before the clock starts

# ---- the drain loops ----------------------------------------------------------------------------------
# drainer K: run `git refuge drain` in the server until $work/stop exists; one line per run in
# drain/runs-K, one per failed run in drain/fail-K, its output in drain/out-K, its stderr in err/drain-K.
drainer() {
  while [ ! -e "$work/stop" ]; do
    if "$bin" drain -C "$server" >> "$work/drain/out-$1" 2>> "$work/err/drain-$1" </dev/null; then :; else
      echo "exit $?" >> "$work/drain/fail-$1"
    fi
    echo run >> "$work/drain/runs-$1"
  done
}
k=1
while [ "$k" -le "$drainers" ]; do
  drainer "$k" &
  jobs_started="$jobs_started $!"
  k=$((k + 1))
done
drain_jobs=$jobs_started

# ---- phase 1: distinct refs ---------------------------------------------------------------------------
# pusher1 N: STRESS_PUSHES commits in clone N, each pushed to refs/heads/pN. Accepted pushes go to
# ok/p1-N as "1 REF NEW", refused ones to fail/p1-N; every stderr to err/p1-N.
pusher1() {
  cd "$work/c$1" || return 0
  j=1
  while [ "$j" -le "$pushes" ]; do
    echo "$j" > "p$1"
    if git add "p$1" 2>> "$work/err/p1-$1" && git commit -q -m "p$1 $j" 2>> "$work/err/p1-$1"; then
      if git push -q origin "HEAD:refs/heads/p$1" 2>> "$work/err/p1-$1"; then
        echo "1 refs/heads/p$1 $(git rev-parse HEAD)" >> "$work/ok/p1-$1"
      else
        echo "push $j" >> "$work/fail/p1-$1"
      fi
    else
      echo "commit $j" >> "$work/fail/p1-$1"
    fi
    j=$((j + 1))
  done
}
p1_start=$(now)
pids=
i=1
while [ "$i" -le "$pushers" ]; do
  pusher1 "$i" &
  pids="$pids $!"
  i=$((i + 1))
done
jobs_started="$jobs_started$pids"
wait $pids || true
p1_end=$(now)
jobs_started=$drain_jobs

# ---- phase 2: the same ref ----------------------------------------------------------------------------
# Each clone works on a branch `s` started at the base commit, and writes its own file (no conflicts).
i=1
while [ "$i" -le "$pushers" ]; do
  git -C "c$i" checkout -q -B s "$base" 2>> "$work/err/p2-$i" || die "checkout in clone $i failed"
  i=$((i + 1))
done
# pusher2 N: min(STRESS_PUSHES, 5) commits in clone N, each pushed to refs/heads/shared; a refused push
# pulls --rebase and tries again, $max_tries tries at most. Accepted pushes go to ok/p2-N as
# "2 REF NEW", the tries of each push to tries/p2-N, give-ups and failed pulls to fail/p2-N.
pusher2() {
  cd "$work/c$1" || return 0
  r=1
  while [ "$r" -le "$rounds" ]; do
    echo "$r" > "s$1"
    if git add "s$1" 2>> "$work/err/p2-$1" && git commit -q -m "s$1 $r" 2>> "$work/err/p2-$1"; then :; else
      echo "commit $r" >> "$work/fail/p2-$1"; r=$((r + 1)); continue
    fi
    try=1
    while :; do
      if git push -q origin HEAD:refs/heads/shared 2>> "$work/err/p2-$1"; then
        echo "2 refs/heads/shared $(git rev-parse HEAD)" >> "$work/ok/p2-$1"
        break
      fi
      if [ "$try" -ge "$max_tries" ]; then echo "gave up $r" >> "$work/fail/p2-$1"; break; fi
      try=$((try + 1))
      if git pull -q --rebase origin shared 2>> "$work/err/p2-$1"; then :; else
        echo "pull $r" >> "$work/fail/p2-$1"
        git rebase --abort 2>/dev/null || true
      fi
    done
    echo "$try" >> "$work/tries/p2-$1"
    r=$((r + 1))
  done
}
p2_start=$(now)
pids=
i=1
while [ "$i" -le "$pushers" ]; do
  pusher2 "$i" &
  pids="$pids $!"
  i=$((i + 1))
done
jobs_started="$jobs_started$pids"
wait $pids || true
p2_end=$(now)
jobs_started=$drain_jobs

# ---- stop the drains, drain the rest, read the log ----------------------------------------------------
: > "$work/stop"
wait $drain_jobs || true
jobs_started=
final_out=$(cd "$server" && "$bin" drain 2>> "$work/err/drain-final") || die "the final drain failed: $(cat "$work/err/drain-final")"
final_recorded=$(printf '%s\n' "$final_out" | sed -n 's/^recorded \([0-9]*\) update.*/\1/p')
(cd "$server" && "$bin" log --json > "$work/log.json" 2>> "$work/err/log") || die "git refuge log --json failed"
verify_rc=0
(cd "$server" && "$bin" verify --json > "$work/verify.json" 2>> "$work/err/verify") || verify_rc=$?
git -C "$server" for-each-ref --format='%(refname) %(objectname)' refs/heads > "$work/tips"
cat "$work"/ok/* > "$work/accepted" 2>/dev/null || : > "$work/accepted"

# Per phase: accepted pushes, server rows, the accepted ones without a row (missing), rows for no
# accepted push (extra: the server took a push its client saw fail), repeated (ref, old, new) rows, refs
# whose rows do not chain from their creation to the server's tip, and the kinds recorded.
counts=$(python3 -c '
import collections, json, shlex, sys
events = json.load(open(sys.argv[1]))
accepted = [line.split() for line in open(sys.argv[2]) if line.strip()]
tips = dict(line.split() for line in open(sys.argv[3]) if line.strip())
def phase(ref):
    if ref == "refs/heads/shared": return "2"
    if ref.startswith("refs/heads/p"): return "1"
    return None
rows = [e for e in events if e.get("side") == "server" and e.get("status") == "accepted"]
for ph in "12":
    mine = [e for e in rows if phase(e["ref"]) == ph]
    pushed = [(ref, new) for p, ref, new in accepted if p == ph]
    keys = collections.Counter((e["ref"], e["old"], e["new"]) for e in mine)
    news = set((e["ref"], e["new"]) for e in mine)
    pushed_set = set(pushed)
    gaps = 0
    for ref in sorted(set(r for r, _ in pushed) | set(e["ref"] for e in mine) | set(r for r in tips if phase(r) == ph)):
        by_new = {}
        for e in mine:
            if e["ref"] == ref: by_new.setdefault(e["new"], e)
        count = sum(1 for e in mine if e["ref"] == ref)
        cur, steps = tips.get(ref), 0
        while cur is not None and cur in by_new and steps <= count:
            cur, steps = by_new[cur]["old"], steps + 1
        if cur is not None or steps != count: gaps += 1
    kinds = collections.Counter(e["kind"] for e in mine)
    print("p%s_accepted=%d" % (ph, len(pushed)))
    print("p%s_recorded=%d" % (ph, len(mine)))
    print("p%s_missing=%d" % (ph, sum(1 for k in pushed if k not in news)))
    print("p%s_extra=%d" % (ph, sum(1 for e in mine if (e["ref"], e["new"]) not in pushed_set)))
    print("p%s_dups=%d" % (ph, sum(c - 1 for c in keys.values() if c > 1)))
    print("p%s_gaps=%d" % (ph, gaps))
    print("p%s_kinds=%s" % (ph, shlex.quote(", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())))))
print("all_rows=%d" % len(events))
' "$work/log.json" "$work/accepted" "$work/tips") || die "cannot read the log's JSON"
eval "$counts"

if verdict=$(python3 -c '
import json, shlex, sys
v = json.load(open(sys.argv[1]))
b = v.get("first_break") or {}
print("intact=%s" % ("true" if v.get("intact") is True else "false"))
print("chain_events=%s" % shlex.quote(str(v.get("events"))))
print("chain_break=%s" % shlex.quote("#%s %s" % (b.get("event"), b.get("problem")) if b else ""))
' "$work/verify.json" 2>/dev/null); then
  eval "$verdict"
else
  intact=false; chain_events='?'; chain_break="verify printed no JSON (exit $verify_rc)"
fi

# Tries in phase 2, failures, drains, stderr.
p1_failed=$(lines "$work"/fail/p1-*)
p2_gaveup=$(cat "$work"/fail/p2-* 2>/dev/null | grep -c '^gave up' || true)
p2_pullfail=$(cat "$work"/fail/p2-* 2>/dev/null | grep -c '^pull' || true)
p2_other=$(cat "$work"/fail/p2-* 2>/dev/null | grep -c '^commit' || true)
p2_tries=$(cat "$work"/tries/p2-* 2>/dev/null | awk '{ s += $1; if ($1 > m) m = $1 } END { printf "%d %d", s, m }')
p2_attempts=${p2_tries% *}; p2_max_tries=${p2_tries#* }
drain_runs=$(lines "$work"/drain/runs-*)
drain_failed=$(lines "$work"/drain/fail-*)
drain_recorded=$(cat "$work"/drain/out-* 2>/dev/null | sed -n 's/^recorded \([0-9]*\) update.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
locked=$(cat "$work"/err/* 2>/dev/null | grep -ci 'locked' || true)
warnings=$(cat "$work"/err/* 2>/dev/null | grep -c 'warning:' || true)
drain_stderr=$(lines "$work"/err/drain-*)
p1_total=$((pushers * pushes)); p2_total=$((pushers * rounds))

# ---- report -------------------------------------------------------------------------------------------
echo
printf '%-16s %6s %8s %7s %8s %7s %5s %4s %4s %7s %8s\n' \
  phase pushes accepted refused recorded missing extra dups gaps "wall s" pushes/s
printf '%-16s %6s %8s %7s %8s %7s %5s %4s %4s %7s %8s\n' "1 distinct refs" "$p1_total" "$p1_accepted" \
  "$p1_failed" "$p1_recorded" "$p1_missing" "$p1_extra" "$p1_dups" "$p1_gaps" \
  "$(secs "$p1_start" "$p1_end")" "$(rate "$p1_accepted" "$p1_start" "$p1_end")"
printf '%-16s %6s %8s %7s %8s %7s %5s %4s %4s %7s %8s\n' "2 same ref" "$p2_total" "$p2_accepted" \
  "$p2_gaveup" "$p2_recorded" "$p2_missing" "$p2_extra" "$p2_dups" "$p2_gaps" \
  "$(secs "$p2_start" "$p2_end")" "$(rate "$p2_accepted" "$p2_start" "$p2_end")"
echo
echo "phase 1: $pushers pushers x $pushes pushes to refs/heads/p<N>; recorded kinds: ${p1_kinds:-none}"
echo "phase 2: $pushers pushers x $rounds pushes to refs/heads/shared (min(STRESS_PUSHES, 5)); recorded kinds:" \
  "${p2_kinds:-none} (the first is a creation); $p2_attempts push attempts, at most $p2_max_tries for one push," \
  "$p2_gaveup gave up after $max_tries, $p2_pullfail failed pulls${p2_other:+, $p2_other failed commits}"
echo "  refused = pushes git refused (phase 1) or that gave up (phase 2); missing = accepted, no server row;" \
  "extra = a row for no accepted push; dups = a (ref, old, new) recorded twice; gaps = refs whose rows" \
  "do not chain from creation to the server's tip"
echo "drains: $drainers loops, $drain_runs runs during the pushes ($drain_failed failed), $drain_recorded" \
  "update(s) recorded by them, ${final_recorded:-0} by the final drain; $drain_stderr stderr line(s) from drains"
echo "log: $all_rows rows in all; verify: intact $intact, $chain_events events${chain_break:+, first break $chain_break}"
echo "stderr of pushes, pulls, commits and drains: $locked line(s) saying \"locked\", $warnings saying \"warning:\""
if [ "$locked" -gt 0 ] || [ "$warnings" -gt 0 ]; then
  cat "$work"/err/* 2>/dev/null | grep -i 'locked\|warning:' | sort | uniq -c | sort -rn | head -5 | sed 's/^/  /'
fi
echo

problems=
[ $((p1_missing + p2_missing)) -eq 0 ] || problems="$problems, $((p1_missing + p2_missing)) accepted push(es) not recorded"
[ $((p1_dups + p2_dups)) -eq 0 ] || problems="$problems, $((p1_dups + p2_dups)) duplicate row(s)"
[ $((p1_gaps + p2_gaps)) -eq 0 ] || problems="$problems, $((p1_gaps + p2_gaps)) ref(s) with a gap in their rows"
[ "$intact" = true ] || problems="$problems, the chain is not intact"
[ "$locked" -eq 0 ] || problems="$problems, \"locked\" reached a user $locked time(s)"
[ "$drain_failed" -eq 0 ] || problems="$problems, $drain_failed drain run(s) failed"
if [ -n "$problems" ]; then
  echo "verdict: BROKEN: ${problems#, }"
  exit 1
fi
echo "verdict: every accepted update recorded exactly once, chain intact, no \"locked\" reached a user"
exit 0
