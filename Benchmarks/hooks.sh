#!/bin/sh
# What Refuge's hooks cost git, measured in one run on workloads this script builds in a temp dir:
#   (a) commit + push of one branch to a local bare server: no hooks, empty hooks at Refuge's points,
#       Refuge on clone and server, and Refuge with refuge.central set
#   (b) `git fetch --tags` of 100 lightweight tags into a fresh --no-tags clone: no hooks, an empty
#       reference-transaction hook, Refuge's hooks (in the fetching clone)
#   (c) fetches that fast-forward 10 remote-tracking branches, and a fetch of a forced update that dropped
#       a commit the fetching clone pushed (Refuge warns): the same three variants
#   (d) the reference-transaction shim alone on one transaction creating 1,000 and 10,000 branches, against
#       an empty hook
# It is a measurement, not a test: it exits 0 when a target is missed (non-zero only when git fails).
#
#   REFUGE_BIN=...      the binary (default .build/release/git-refuge if built, else .build/debug/git-refuge)
#   BENCH_PUSHES=30     commit+push trials per variant
#   BENCH_FETCHES=15    fetch trials per variant (the variants are interleaved)
#   BENCH_TAGS=100      tags on the fetch server
#   BENCH_BRANCHES=10   branches moved per trial in (c)
#   BENCH_BIG=10000     refs in the one transaction of (d)
#   KEEP=1              keep the temp dir
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
[ -x "$bin" ] || { echo "hooks.sh: no git-refuge binary at $bin (set REFUGE_BIN)" >&2; exit 1; }
# The hook shims honour REFUGE_BIN: export the absolute path so that the hooks run this very binary.
REFUGE_BIN=$bin
export REFUGE_BIN

pushes=${BENCH_PUSHES:-30}
fetches=${BENCH_FETCHES:-15}
tags=${BENCH_TAGS:-100}

work=$(mktemp -d "${TMPDIR:-/tmp}/refuge-bench.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "(kept $work)"; else rm -rf "$work"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private HOME (no ~/.gitconfig); /etc/gitconfig still applies. A fixed identity and dates.
HOME=$work/home
mkdir -p "$HOME"
GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
export HOME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset GIT_DIR GIT_WORK_TREE GIT_CONFIG_GLOBAL GIT_CONFIG_PARAMETERS GL_USER REMOTE_USER REFUGE_DATABASE 2>/dev/null || true
git config --global init.defaultBranch main
git config --global advice.detachedHead false
git config --global gc.auto 0                 # no auto-gc pausing a random trial

die() { echo "hooks.sh: $*" >&2; exit 1; }
now() { date +%s%N; }
# quiet CMD...: run it, show its output only when it fails.
quiet() { "$@" > "$work/.out" 2>&1 || { cat "$work/.out" >&2; die "failed: $*"; }; }
# ms START END: elapsed milliseconds with one decimal.
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
# median FILE: the median of the numbers in FILE, one per line.
median() {
  sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
    if (NR % 2) printf "%.1f", v[(NR + 1) / 2]; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
minmax() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s %s", lo, hi }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

echo "Refuge hook benchmark"
echo "$(git --version), nproc $(nproc), $(uname -sm)"
echo "binary: $bin ($("$bin" --version 2>/dev/null || echo '?'))"
echo "trials: $pushes pushes, $fetches fetches of $tags tags per variant"
case $bin in */debug/*) echo "note: a debug build; the pre-push and post-receive hooks start it, a release build is faster" ;; esac

# ---- (a) commit + push --------------------------------------------------------------------------------
# Four variants: no hooks; an empty hook (it reads its input, nothing more) at each point where Refuge has
# one, which is the least any hook there costs, git's start of a shell; Refuge's hooks; and Refuge's hooks
# with a central store configured, as on a fleet's servers (issue 15: shipping is never on the push path,
# so the two must cost the same; the destination need not exist, no hook reads it).
cd "$work"
empty_hook() { printf '#!/bin/sh\nwhile read -r _; do :; done\nexit 0\n' > "$1"; chmod +x "$1"; }
for variant in none empty refuge central; do
  git init -q --bare "push-$variant.git"
  git clone -q "push-$variant.git" "push-$variant" 2>/dev/null
  case $variant in
  empty)
    for hook in reference-transaction post-receive; do empty_hook "push-$variant.git/hooks/$hook"; done
    for hook in reference-transaction pre-push; do empty_hook "push-$variant/.git/hooks/$hook"; done ;;
  refuge|central)
    quiet "$bin" install -C "push-$variant.git"
    quiet "$bin" install -C "push-$variant" ;;
  esac
  if [ "$variant" = central ]; then
    git -C "push-$variant.git" config refuge.central "host=/nonexistent dbname=refuge"
    git -C "push-$variant" config refuge.central "host=/nonexistent dbname=refuge"
  fi
  # The base commit and one warm-up push, not timed.
  (cd "push-$variant" && echo 0 > file && git add file && git commit -q -m base && git push -q origin main) ||
    die "base push ($variant) failed"
  : > "$work/push-$variant.ms"
done

i=1
while [ "$i" -le "$pushes" ]; do
  for variant in none empty refuge central; do
    cd "$work/push-$variant"
    echo "$i" > file
    start=$(now)
    git commit -q -a -m "change $i" && git push -q origin main || die "push $i ($variant) failed"
    end=$(now)
    ms "$start" "$end" >> "$work/push-$variant.ms"
  done
  i=$((i + 1))
done
cd "$work"
# Sanity: Refuge really recorded every push on both sides (else the figure would mean nothing).
server_rows=$(cd push-central.git && "$bin" log --side server | grep -c '^#' || true)
client_rows=$(cd push-central && "$bin" log --side client | grep -c '^#' || true)

# ---- (b) fetch of many tags ---------------------------------------------------------------------------
git init -q --bare tags.git
git clone -q tags.git tags-src 2>/dev/null
(cd tags-src && echo tagged > file && git add file && git commit -q -m tagged && git push -q origin main) ||
  die "cannot build the tag server"
oid=$(git -C tags.git rev-parse refs/heads/main)
n=1
while [ "$n" -le "$tags" ]; do echo "create refs/tags/t$n $oid"; n=$((n + 1)); done | git -C tags.git update-ref --stdin
for variant in none empty refuge; do : > "$work/fetch-$variant.ms"; done

t=1
while [ "$t" -le "$fetches" ]; do
  for variant in none empty refuge; do
    cd "$work"
    rm -rf fetch
    git clone -q --no-tags tags.git fetch 2>/dev/null || die "clone for fetch trial $t failed"
    case $variant in
    empty) printf '#!/bin/sh\n' > fetch/.git/hooks/reference-transaction
           chmod +x fetch/.git/hooks/reference-transaction ;;
    refuge) quiet "$bin" install -C fetch ;;
    esac
    cd fetch
    start=$(now)
    git fetch -q --tags origin || die "fetch trial $t ($variant) failed"
    end=$(now)
    ms "$start" "$end" >> "$work/fetch-$variant.ms"
    [ "$(git tag | wc -l)" -eq "$tags" ] || die "fetch trial $t ($variant) got $(git tag | wc -l) tags"
    if [ "$variant" = refuge ] && [ "$t" -eq "$fetches" ]; then
      fetched_all=$("$bin" log --side local | grep -c ' refs/tags/' || true)
    fi
  done
  t=$((t + 1))
done
cd "$work"

# ---- (c) fetches that move remote-tracking branches (issue 17) -----------------------------------------
# Each trial: someone else advances $branches branches (fast-forwards) and fetches them here; then this clone
# pushes a commit to b1, someone force-pushes b1 over it, and this clone fetches: Refuge warns (its stderr is
# discarded here). The cost of reading each moved ref's reflog line, and of the warning's analysis.
branches=${BENCH_BRANCHES:-10}
for variant in none empty refuge; do
  git init -q --bare "moves-$variant.git"
  git clone -q "moves-$variant.git" "moves-$variant-other" 2>/dev/null
  (cd "moves-$variant-other" && echo 0 > file && git add file && git commit -q -m base && git push -q origin main &&
    b=1 && while [ "$b" -le "$branches" ]; do git push -q origin "main:refs/heads/b$b"; b=$((b + 1)); done) ||
    die "moves server ($variant) failed"
  git clone -q "moves-$variant.git" "moves-$variant" 2>/dev/null
  case $variant in
  empty) printf '#!/bin/sh\n' > "moves-$variant/.git/hooks/reference-transaction"
         chmod +x "moves-$variant/.git/hooks/reference-transaction" ;;
  refuge) quiet "$bin" install -C "moves-$variant" ;;
  esac
  (cd "moves-$variant" && git checkout -q -b b1 origin/b1) || die "moves clone ($variant) failed"
  : > "$work/moves-ff-$variant.ms"; : > "$work/moves-forced-$variant.ms"; : > "$work/moves-others-$variant.ms"
done
t=1
while [ "$t" -le "$fetches" ]; do
  for variant in none empty refuge; do
    cd "$work/moves-$variant-other"
    git fetch -q origin
    b=1; while [ "$b" -le "$branches" ]; do
      git checkout -q -B "b$b" "origin/b$b" && echo "$t" > "f$b" && git add "f$b" && git commit -q -m "b$b $t" || die "advance b$b"
      b=$((b + 1))
    done
    git push -q origin 'refs/heads/b*:refs/heads/b*' || die "push of moved branches ($variant) failed"
    cd "$work/moves-$variant"
    start=$(now); git fetch -q origin || die "fast-forward fetch trial $t ($variant) failed"; end=$(now)
    ms "$start" "$end" >> "$work/moves-ff-$variant.ms"
    # The other clone rewrites b2..bN (an amend each) and force-pushes them: forced updates, none of this
    # clone's work. Refuge looks at each and says nothing.
    cd "$work/moves-$variant-other"
    b=2; refs=; while [ "$b" -le "$branches" ]; do
      git checkout -q "b$b" && git commit -q --amend -m "b$b $t amended" || die "amend b$b"
      refs="$refs +refs/heads/b$b:refs/heads/b$b"; b=$((b + 1))
    done
    git push -q origin $refs || die "forced push of others' branches ($variant) failed"
    cd "$work/moves-$variant"
    start=$(now); git fetch -q origin 2>/dev/null || die "others' forced fetch trial $t ($variant) failed"; end=$(now)
    ms "$start" "$end" >> "$work/moves-others-$variant.ms"
    # This clone's own commit on b1, pushed; then force-pushed away by the other clone.
    git reset -q --hard origin/b1 && echo "mine $t" > mine && git add mine && git commit -q -m "mine $t" &&
      git push -q origin b1 2>/dev/null || die "own push trial $t ($variant) failed"
    cd "$work/moves-$variant-other"
    git checkout -q -B b1 "b1" && echo "theirs $t" > theirs && git add theirs && git commit -q -m "theirs $t" &&
      git push -q --force origin b1 || die "force push trial $t ($variant) failed"
    cd "$work/moves-$variant"
    start=$(now); git fetch -q origin 2>/dev/null || die "forced fetch trial $t ($variant) failed"; end=$(now)
    ms "$start" "$end" >> "$work/moves-forced-$variant.ms"
    git reset -q --hard origin/b1
  done
  t=$((t + 1))
done
cd "$work"
warned=$(cd moves-refuge && git reset -q --hard HEAD && echo x > x && git add x && git commit -q -m x && git push -q origin b1 &&
  cd ../moves-refuge-other && git checkout -q b1 && git commit -q --allow-empty -m y && git push -q --force origin b1 &&
  cd ../moves-refuge && git fetch -q origin 2>&1 | grep -c '^refuge: origin/b1 was force-updated' || true)

# ---- (d) one transaction of many refs ------------------------------------------------------------------
# The reference-transaction shim run directly (as git runs it, `prepared` then `committed`) on one
# transaction creating $big branches, and on one of a tenth of that (git 2.51 and later fetch and receive
# in one transaction): its cost must grow with the lines, not faster. Against an empty hook reading the
# same lines. Three trials each; the repository's files are not touched (creating 10,000 loose refs would
# measure the file system).
big=${BENCH_BIG:-10000}
small=$((big / 10))
cd "$work"
git init -q big && git -C big commit -q --allow-empty -m big
quiet "$bin" install -C big
empty_hook big/.git/hooks/empty-transaction
big_oid=$(git -C big rev-parse HEAD)
n=1; while [ "$n" -le "$big" ]; do echo "0000000000000000000000000000000000000000 $big_oid refs/heads/b$n"; n=$((n + 1)); done > big.in
head -n "$small" big.in > small.in
for variant in empty refuge; do : > "$work/big-$variant.ms"; : > "$work/small-$variant.ms"; done
t=1
while [ "$t" -le 3 ]; do
  for variant in empty refuge; do
    hook=reference-transaction; [ "$variant" = empty ] && hook=empty-transaction
    for size in small big; do
      cd "$work/big"
      start=$(now)
      { ".git/hooks/$hook" prepared < "$work/$size.in" && ".git/hooks/$hook" committed < "$work/$size.in"; } ||
        die "the $size transaction ($variant) failed"
      end=$(now)
      ms "$start" "$end" >> "$work/$size-$variant.ms"
    done
  done
  t=$((t + 1))
done
big_spooled=$(cat "$work"/big/.git/refuge/spool/rt.* | grep -c " refs/heads/b" || true)
cd "$work"

# ---- report -------------------------------------------------------------------------------------------
push_none=$(median push-none.ms); push_empty=$(median push-empty.ms)
push_plain=$(median push-refuge.ms); push_refuge=$(median push-central.ms)
fetch_none=$(median fetch-none.ms); fetch_empty=$(median fetch-empty.ms); fetch_refuge=$(median fetch-refuge.ms)
push_ratio=$(ratio "$push_refuge" "$push_none")
plain_ratio=$(ratio "$push_plain" "$push_none")
floor_ratio=$(ratio "$push_empty" "$push_none")
fetch_ratio=$(ratio "$fetch_refuge" "$fetch_empty")
empty_ratio=$(ratio "$fetch_empty" "$fetch_none")

echo
printf '%-34s %6s %10s %8s %8s\n' workload trials "median ms" "min ms" "max ms"
row() { set -- "$1" "$2" "$(median "$2")" $(minmax "$2"); printf '%-34s %6s %10s %8s %8s\n' "$1" "$(wc -l < "$2")" "$3" "$4" "$5"; }
row "commit+push, no hooks" push-none.ms
row "commit+push, empty hooks" push-empty.ms
row "commit+push, Refuge (clone+server)" push-refuge.ms
row "commit+push, Refuge, central set" push-central.ms
row "fetch $tags tags, no hooks" fetch-none.ms
row "fetch $tags tags, empty ref-tx hook" fetch-empty.ms
row "fetch $tags tags, Refuge" fetch-refuge.ms
row "fetch $branches ff branches, no hooks" moves-ff-none.ms
row "fetch $branches ff branches, empty hook" moves-ff-empty.ms
row "fetch $branches ff branches, Refuge" moves-ff-refuge.ms
row "$((branches - 1)) forced, not yours, no hooks" moves-others-none.ms
row "$((branches - 1)) forced, not yours, empty" moves-others-empty.ms
row "$((branches - 1)) forced, not yours, Refuge" moves-others-refuge.ms
row "forced fetch, no hooks" moves-forced-none.ms
row "forced fetch, empty hook" moves-forced-empty.ms
row "forced fetch, Refuge (warns)" moves-forced-refuge.ms
row "$small refs in one transaction, empty" small-empty.ms
row "$small refs in one transaction, Refuge" small-refuge.ms
row "$big refs in one transaction, empty" big-empty.ms
row "$big refs in one transaction, Refuge" big-refuge.ms
echo
echo "recorded by Refuge: $server_rows server and $client_rows client rows for $((pushes + 1)) pushes;" \
  "$fetched_all of $tags tag creations from the last fetch"
echo

push_ok=no; le "$push_ratio" 1.5 && push_ok=yes
fetch_ok=no; le "$fetch_ratio" 1.25 && fetch_ok=yes
echo "push: $push_none ms without hooks, $push_refuge ms with Refuge and refuge.central set (${push_ratio}x; target ≤ 1.5x)"
echo "  without refuge.central: $push_plain ms (${plain_ratio}x); empty hooks at the same points: $push_empty ms" \
  "(${floor_ratio}x, the least any hooks there cost); Refuge over the empty hooks: +$(awk -v a="$push_refuge" -v b="$push_empty" 'BEGIN { printf "%.1f", a - b }') ms"
echo "fetch $tags tags: none $fetch_none ms, empty hook $fetch_empty ms, Refuge $fetch_refuge ms" \
  "(${fetch_ratio}x of the empty hook; target ≤ 1.25x; the empty hook is ${empty_ratio}x of none)"
moves_ratio=$(ratio "$(median moves-ff-refuge.ms)" "$(median moves-ff-empty.ms)")
forced_extra=$(awk -v a="$(median moves-forced-refuge.ms)" -v b="$(median moves-forced-empty.ms)" 'BEGIN { printf "%.1f", a - b }')
echo "fetch of $branches fast-forwarded branches: ${moves_ratio}x of the empty hook (a reflog line read per moved ref)"
others_extra=$(awk -v a="$(median moves-others-refuge.ms)" -v b="$(median moves-others-empty.ms)" -v n="$((branches - 1))" 'BEGIN { printf "%.1f", (a - b) / n }')
echo "fetch of $((branches - 1)) forced updates of other people's work: +$others_extra ms per forced ref over the empty hook (the shell's cheap look at each; fetch-check does not start)"
echo "fetch of a forced update that dropped a commit of this clone's: +$forced_extra ms over the empty hook for the" \
  "warning (the analysis runs only then); the last one warned: $warned line(s)"
echo "one transaction of $big new refs, the shim alone: $(median big-refuge.ms) ms, empty hook $(median big-empty.ms) ms" \
  "($(ratio "$(median big-refuge.ms)" "$(median big-empty.ms)")x); $small refs: $(median small-refuge.ms) ms; $big / $small refs:" \
  "$(ratio "$(median big-refuge.ms)" "$(median small-refuge.ms)")x (10x is linear); $big_spooled of $((3 * (big + small))) lines spooled"
if [ "$push_ok" = yes ] && [ "$fetch_ok" = yes ]; then
  echo "verdict: both targets met"
else
  missed=
  [ "$push_ok" = yes ] || missed="push (${push_ratio}x > 1.5x)"
  [ "$fetch_ok" = yes ] || missed="${missed:+$missed and }fetch (${fetch_ratio}x > 1.25x)"
  echo "verdict: target missed: $missed"
fi
exit 0
