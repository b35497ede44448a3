#!/usr/bin/env python3
"""Builds the workloads of Benchmarks/scale.py, reproducibly, with git fast-import (stdlib only).

    workload.py DIR [--commits N] [--reflog N] [--events N]

DIR/history (a repository with a work tree, not checked out):
  main        N commits (default 100,000), one file changed per commit in 50 directories of 1,000
              files, a merge of a two-commit side branch every 200 commits. Fixed author dates, so the
              object ids are the same on every run.
  big         10,000 commits forked from main 5,000 commits before its tip: moving big onto main is a
              forced update dropping exactly 10,000 commits.
  work/K      100 branches reset back by 15 commits (the 15 survive only in work/K's reflog)
  topic/K     50 branches rebased onto a newer main (10 original commits survive in the reflog; their
              rewritten copies have the same patches)
  (deleted)   50 branches of 10 commits, deleted: only the object database has them (`--all-objects`)
  reflogs     main's and the branches' reflogs, 10,000 entries in all (default), the last 90 days

DIR/events (shares history's objects through objects/info/alternates): 10 refs whose reflogs hold
--events entries in all (default 1,000,000) over the last 365 days, stepping along main: fast-forwards,
and every 100th entry a reset 20 commits back (a forced update). `git refuge backfill` imports them.

DIR/workload.json says what was built (ids and counts the benchmark checks its answers against).
"""
import argparse
import json
import os
import subprocess
import sys
import time

AUTHOR = "Bench Author <bench@example.com>"
EPOCH = 1_600_000_000          # author/committer dates: fixed, so ids are reproducible
MERGE_EVERY = 200


class Stream:
    """A fast-import stream written to git's stdin, with marks counted here."""

    def __init__(self, pipe):
        self.pipe = pipe
        self.mark = 0
        self.clock = EPOCH

    def commit(self, ref, message, parent=None, merge=None, path=None, content=None):
        self.mark += 1
        self.clock += 60
        out = [f"commit {ref}\nmark :{self.mark}\n",
               f"author {AUTHOR} {self.clock} +0000\ncommitter {AUTHOR} {self.clock} +0000\n"]
        msg = message.encode()
        out.append(f"data {len(msg)}\n")
        self.pipe.write("".join(out).encode() + msg + b"\n")
        tail = []
        if parent is not None:
            tail.append(f"from :{parent}\n")
        if merge is not None:
            tail.append(f"merge :{merge}\n")
        if path is not None:
            data = content.encode()
            tail.append(f"M 100644 inline {path}\ndata {len(data)}\n")
            self.pipe.write("".join(tail).encode() + data + b"\n\n")
        else:
            self.pipe.write("".join(tail).encode() + b"\n")
        return self.mark


def git(*args, cwd, stdin=None, capture=False):
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, check=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL).stdout


def build_history(root, commits):
    repo = os.path.join(root, "history")
    git("init", "-q", "-b", "main", repo, cwd=root)
    git("config", "gc.auto", "0", cwd=repo)
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--export-marks=marks"], cwd=repo,
                            stdin=subprocess.PIPE)
    s = Stream(proc.stdin)
    main = []                      # marks of main's commits, oldest first
    prev = None
    for i in range(commits):
        path = f"d{i % 50}/f{i % 1000}.txt"
        if i and i % MERGE_EVERY == 0:
            side1 = s.commit("refs/heads/side", f"side {i}.1", parent=prev, path=f"side/{i}.txt", content=f"{i}.1\n")
            side2 = s.commit("refs/heads/side", f"side {i}.2", parent=side1, path=f"side/{i}.txt", content=f"{i}.2\n")
            prev = s.commit("refs/heads/main", f"Merge side {i}", parent=prev, merge=side2, path=path,
                            content=f"main {i}\n")
        else:
            prev = s.commit("refs/heads/main", f"main {i}", parent=prev, path=path, content=f"main {i}\n")
        main.append(prev)

    fork = len(main) - 5001
    p = main[fork]
    big = []
    for j in range(10_000):
        p = s.commit("refs/heads/big", f"big {j}", parent=p, path=f"big/f{j % 500}.txt", content=f"big {j}\n")
        big.append(p)

    works = []                     # (base, [lost commits])
    for k in range(100):
        base = main[len(main) - 100 - k * 37 % (len(main) // 2)]
        p, lost = base, []
        for j in range(15):
            p = s.commit(f"refs/heads/work/{k}", f"work {k}.{j}", parent=p, path=f"work/{k}.txt", content=f"{k}.{j}\n")
            lost.append(p)
        works.append((base, lost))

    topics = []                    # (old base, originals, new base, rewritten)
    for k in range(50):
        old_base = main[len(main) - 3000 - k * 50]
        new_base = main[len(main) - 10 - k]
        originals, rewritten = [], []
        p = old_base
        for j in range(10):
            p = s.commit(f"refs/heads/topic-old/{k}", f"topic {k}.{j}", parent=p, path=f"topic/{k}/{j}.txt",
                         content=f"topic {k} {j}\n")
            originals.append(p)
        p = new_base
        for j in range(10):
            p = s.commit(f"refs/heads/topic/{k}", f"topic {k}.{j}", parent=p, path=f"topic/{k}/{j}.txt",
                         content=f"topic {k} {j}\n")
            rewritten.append(p)
        topics.append((old_base, originals, new_base, rewritten))

    gone = []
    for k in range(50):
        p = main[len(main) - 500 - k * 97]
        for j in range(10):
            p = s.commit(f"refs/heads/gone/{k}", f"gone {k}.{j}", parent=p, path=f"gone/{k}.txt", content=f"{k}.{j}\n")
        gone.append(p)

    # work/K back to its base, topic-old and gone deleted, side deleted (its commits are in main).
    for k, (base, _) in enumerate(works):
        s.pipe.write(f"reset refs/heads/work/{k}\nfrom :{base}\n\n".encode())
    s.pipe.write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("workload.py: git fast-import failed")

    marks = {}
    with open(os.path.join(repo, "marks")) as f:
        for line in f:
            mark, oid = line.split()
            marks[int(mark[1:])] = oid
    os.remove(os.path.join(repo, "marks"))
    deletions = "".join(f"delete refs/heads/topic-old/{k}\n" for k in range(50))
    deletions += "".join(f"delete refs/heads/gone/{k}\n" for k in range(50)) + "delete refs/heads/side\n"
    git("update-ref", "--stdin", cwd=repo, stdin=deletions.encode())
    # git's own commit-graph, as `git gc` writes it (gc.writeCommitGraph): git is measured as it runs on a
    # repository that has seen a gc, not without the file that makes its walks fast.
    git("commit-graph", "write", "--reachable", cwd=repo)
    return repo, marks, main, big, works, topics, gone


def reflog_line(old, new, when, message):
    return f"{old} {new} {AUTHOR} {when} +0000\t{message}\n"


def write_reflog(gitdir, ref, lines):
    path = os.path.join(gitdir, "logs", ref)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.writelines(lines)


def write_history_reflogs(repo, marks, main, works, topics, entries, now):
    gitdir = os.path.join(repo, ".git")
    logs = os.path.join(gitdir, "logs")
    subprocess.run(["rm", "-rf", logs], check=True)
    zero = "0" * 40
    span = 89 * 86400              # within gc.reflogExpire (90 days): nothing has expired yet
    branch_entries = len(works) * 17 + len(topics) * 12 + 1
    main_entries = max(1, entries - branch_entries)
    start = now - span
    step = max(1, (len(main) - 1) // main_entries)
    first = len(main) - 1 - step * (main_entries - 1)
    lines = [reflog_line(zero, marks[main[first]], start, "branch: Created from HEAD")]
    for e in range(1, main_entries):
        i = first + e * step
        lines.append(reflog_line(marks[main[i - step]], marks[main[i]], start + e * span // main_entries,
                                 f"commit: main {i}"))
    write_reflog(gitdir, "refs/heads/main", lines)
    total = len(lines)
    when = now - 30 * 86400
    for k, (base, lost) in enumerate(works):
        lines = [reflog_line(zero, marks[base], when, "branch: Created from main")]
        prev = base
        for c in lost:
            when += 7
            lines.append(reflog_line(marks[prev], marks[c], when, f"commit: work {k}"))
            prev = c
        when += 7
        lines.append(reflog_line(marks[prev], marks[base], when, "reset: moving to HEAD~15"))
        write_reflog(gitdir, f"refs/heads/work/{k}", lines)
        total += len(lines)
    for k, (old_base, originals, new_base, rewritten) in enumerate(topics):
        lines = [reflog_line(zero, marks[old_base], when, "branch: Created from main")]
        prev = old_base
        for c in originals:
            when += 7
            lines.append(reflog_line(marks[prev], marks[c], when, f"commit: topic {k}"))
            prev = c
        when += 7
        lines.append(reflog_line(marks[prev], marks[rewritten[-1]], when,
                                 f"rebase (finish): refs/heads/topic/{k} onto {marks[new_base]}"))
        write_reflog(gitdir, f"refs/heads/topic/{k}", lines)
        total += len(lines)
    write_reflog(gitdir, "refs/heads/big", [reflog_line(zero, marks[main[0]], when, "branch: Created")])
    return total + 1


def build_events(root, history, marks, main, events, now):
    repo = os.path.join(root, "events")
    git("init", "-q", "-b", "main", repo, cwd=root)
    git("config", "gc.auto", "0", cwd=repo)
    gitdir = os.path.join(repo, ".git")
    with open(os.path.join(gitdir, "objects", "info", "alternates"), "w") as f:
        f.write(os.path.join(history, ".git", "objects") + "\n")
    refs = 10
    per_ref = events // refs
    span = 365 * 86400
    zero = "0" * 40
    forced = 0
    updates, logs = [], []
    for r in range(refs):
        i = 1 + r * 1000
        when0 = now - span
        lines = [reflog_line(zero, marks[main[i]], when0, "branch: Created from main")]
        for e in range(1, per_ref):
            when = when0 + e * span // per_ref + r
            if e % 100 == 0 or i + 1 >= len(main):
                lines.append(reflog_line(marks[main[i]], marks[main[i - 20]], when, "reset: moving to HEAD~20"))
                i -= 20
                forced += 1
            else:
                lines.append(reflog_line(marks[main[i]], marks[main[i + 1]], when, f"commit: main {i + 1}"))
                i += 1
        logs.append((f"refs/heads/stream/{r}", lines))
        updates.append(f"create refs/heads/stream/{r} {marks[main[i]]}\n")
    # The refs first, then their reflogs written over whatever entry git made for the creation.
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, input="".join(updates).encode(), check=True)
    git("commit-graph", "write", "--reachable", cwd=repo)   # as `git gc` would (see build_history)
    for ref, lines in logs:
        write_reflog(gitdir, ref, lines)
    return repo, refs * per_ref, forced


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--reflog", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.commits < 20_000:
        sys.exit("workload.py: --commits must be at least 20,000 (big forks 5,000 from main's tip)")
    root = os.path.abspath(args.dir)
    os.makedirs(root, exist_ok=False)
    now = int(time.time())
    started = time.time()
    history, marks, main_marks, big, works, topics, gone = build_history(root, args.commits)
    reflog_entries = write_history_reflogs(history, marks, main_marks, works, topics, args.reflog, now)
    events_repo, event_entries, forced = build_events(root, history, marks, main_marks, args.events, now)
    described = {
        "generator": 1,
        "created": now,
        "seconds": round(time.time() - started, 1),
        "history": history,
        "events": events_repo,
        "commits": {"main": args.commits, "big": len(big), "total": len(marks)},
        "main": marks[main_marks[-1]],
        "big": marks[big[-1]],
        "big_drops": len(big),
        "reflog_entries": reflog_entries,
        "reset_lost": [marks[lost[-1]] for _, lost in works],
        "rebased_lost": [marks[originals[-1]] for _, originals, _, _ in topics],
        "deleted": [marks[m] for m in gone],
        "lost_commits_in_reflogs": sum(len(lost) for _, lost in works) + sum(len(o) for _, o, _, _ in topics),
        "lost_commits_deleted": 10 * len(gone),
        "event_entries": event_entries,
        "event_forced": forced,
    }
    with open(os.path.join(root, "workload.json"), "w") as f:
        json.dump(described, f, indent=1)
    print(f"workload.py: built {root} in {described['seconds']} s: {len(marks)} commits, "
          f"{reflog_entries} reflog entries, {event_entries} event entries")


if __name__ == "__main__":
    main()
