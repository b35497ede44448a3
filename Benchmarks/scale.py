#!/usr/bin/env python3
"""Refuge at scale: one command, one table (stdlib only).

    Benchmarks/scale.py [--workload DIR] [--bin PATH] [--trials N] [--quick] [--skip-hooks] [--events N] [--markdown]
                        [--skip-fleet] [--fleet-sources N]

Times git-refuge against the git command that answers the same question, on the workload that
Benchmarks/workload.py builds (reused when DIR/workload.json exists), and checks every answer against
git or workload.json. A missed target is reported, never failed: the exit status is 1 when an answer is
WRONG, 2 when a command fails, else 0.
"""
import argparse, collections, datetime, json, os, platform, re, shutil, sqlite3, statistics, subprocess, sys, tempfile, time
from urllib.parse import quote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLOW_MS = 60_000      # a warm-up this slow counts as the only trial: minutes per run, one run says enough


class CommandFailed(Exception):
    pass


def fail(message):   # exit 2: the measurement could not be made (1 is for a wrong answer)
    print(f"scale.py: {message}", file=sys.stderr)
    sys.exit(2)


Run = collections.namedtuple("Run", "ms rss_kib out")


def run(cmd, cwd, env):
    """Runs cmd to completion: wall ms, peak RSS (KiB) and stdout. os.wait4 reports the rusage of this one
    child (and the descendants it waited for), so ru_maxrss is its own peak, not this script's."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        ms = (time.perf_counter() - start) * 1000
        proc.returncode = os.waitstatus_to_exitcode(status)   # so that Popen never waits for it again
        out.seek(0), err.seek(0)
        if proc.returncode != 0:
            raise CommandFailed(f"{' '.join(cmd)} (in {cwd}) exited {proc.returncode}:\n"
                                + err.read().decode(errors="replace"))
        return Run(ms, usage.ru_maxrss, out.read().decode(errors="replace"))


def measure(trials, refuge, git=None):
    """One untimed warm-up of each, then `trials` runs with git's interleaved with Refuge's (so that a
    slower or busier minute hurts both). refuge and git are () -> Run. Returns (refuge runs, git runs)."""
    warm = refuge()
    if git:
        git()
    if warm.ms > SLOW_MS:
        return [warm], [git()] if git else []
    rs, gs = [], []
    for _ in range(trials):
        rs.append(refuge())
        if git:
            gs.append(git())
    return rs, gs


def ms(runs):
    return f"{statistics.median(r.ms for r in runs):.1f} ({min(r.ms for r in runs):.1f})"


def peak(runs):
    return max(r.rss_kib for r in runs) / 1024


class Table:
    COLUMNS = ("what", "trials", "Refuge", "git", "ratio", "target", "result")

    def __init__(self):
        self.rows, self.wrong, self.missed = [], [], []

    def add(self, what, refuge, git="—", trials="", ratio=None, target="—", met=None):
        # three decimals: 1.503x must not print as the 1.50x it missed (hooks.sh rounds, then compares)
        result = "" if met is None else "met" if met else "MISSED"
        if met is False:
            self.missed.append(f"{what} ({target})")
        self.rows.append((what, str(trials), refuge, git, "—" if ratio is None else f"{ratio:.3f}x", target, result))

    def timed(self, what, rs, gs=(), limit=None, limit_ms=None):
        """A row of timings; limit: the target ratio to git, limit_ms: an absolute target in ms."""
        med = statistics.median(r.ms for r in rs)
        ratio = med / statistics.median(g.ms for g in gs) if gs else None
        target, met = ((f"≤ {limit}x", ratio <= limit) if limit else
                       (f"≤ {limit_ms} ms", med <= limit_ms) if limit_ms else ("—", None))
        self.add(what, ms(rs), ms(gs) if gs else "—", len(rs), ratio, target, met)

    def check(self, what, ok, detail=""):
        print(f"  check {'ok   ' if ok else 'WRONG'} {what}{': ' + detail if detail else ''}")
        if not ok:
            self.wrong.append(f"{what}: {detail}")

    def print(self, markdown):
        if not self.rows:
            return
        rows = [self.COLUMNS] + self.rows
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.COLUMNS))]
        print()
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if markdown:   # to paste into Docs/Performance.md
            rows = [self.COLUMNS, ("---",) * len(self.COLUMNS)] + self.rows
            print("\n" + "\n".join("| " + " | ".join(row) + " |" for row in rows))


# ---- the workload and the machine -------------------------------------------------------------------

def workload(args):
    wdir = os.path.abspath(args.workload)
    described = os.path.join(wdir, "workload.json")
    if os.path.exists(described):
        print(f"workload: reusing {wdir}")
    else:
        if os.path.exists(wdir):
            fail(f"{wdir} exists but holds no workload.json: remove it or pick another --workload")
        extra = ["--commits", "20000", "--events", "20000"] if args.quick else []
        extra += ["--events", str(args.events)] if args.events else []
        print(f"workload: building {' '.join([wdir, *extra])}", flush=True)
        if subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "workload.py"), wdir, *extra]).returncode:
            fail("workload.py failed")
    wl = json.load(open(described))
    if args.events and wl["event_entries"] != args.events:
        print(f"note: --events {args.events} ignored: the workload was built with {wl['event_entries']}")
    wl["dir"] = wdir
    return wl


def du(path):
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(path) for f in files)


def header(bin, env, wl):
    cpu = platform.processor() or "?"
    if os.path.exists("/proc/cpuinfo"):
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), cpu)
    print("Refuge at scale")
    print(f"date:     {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:  {run(['git', '--version'], ROOT, env).out.strip()}, nproc {os.cpu_count()}, {cpu}")
    print(f"binary:   {bin} ({run([bin, '--version'], ROOT, env).out.strip()})")
    print(f"workload: {wl['commits']['total']} commits (main {wl['commits']['main']}), "
          f"{wl['reflog_entries']} reflog entries in history, {wl['event_entries']} in events; "
          f"history {du(os.path.join(wl['dir'], 'history', '.git')) / 2**20:.0f} MiB on disk")
    print(f"times:    median (min) ms of the trials; one untimed warm-up each; git interleaved with Refuge")


# ---- the measurements ------------------------------------------------------------------------------

def hooks(t, args, env):
    """hooks.sh's push and fetch rows (its table has median and min), and its count of what Refuge recorded."""
    env = dict(env, BENCH_PUSHES="5" if args.quick else "20", BENCH_FETCHES="3" if args.quick else "10")
    print(f"== push and fetch: hooks.sh ({env['BENCH_PUSHES']} pushes, {env['BENCH_FETCHES']} fetches)", flush=True)
    out = run(["sh", os.path.join(ROOT, "Benchmarks", "hooks.sh")], ROOT, env).out

    def grab(pattern):
        found = re.search(pattern, out, re.M)
        if not found:
            raise CommandFailed(f"hooks.sh printed no line matching {pattern!r}:\n{out}")
        return found

    def row(label):  # a row of its table: label, trials, median, min, max
        found = grab("^" + re.escape(label) + r"\s+\d+\s+([\d.]+)\s+([\d.]+)\s")
        return f"{found[1]} ({found[2]})"

    push = grab(r"^push: ([\d.]+) ms without hooks, ([\d.]+) ms with Refuge")
    fetch = grab(r"^fetch (\d+) tags: none ([\d.]+) ms, empty hook ([\d.]+) ms, Refuge ([\d.]+) ms")
    rec = grab(r"recorded by Refuge: (\d+) server and (\d+) client rows for (\d+) pushes; (\d+) of (\d+) tag")
    pushes, fetches, tags = env["BENCH_PUSHES"], env["BENCH_FETCHES"], fetch[1]
    ratio = float(push[2]) / float(push[1])
    t.add("commit+push (vs no hooks)", row("commit+push, Refuge (clone+server)"), row("commit+push, no hooks"),
          pushes, ratio, "≤ 1.5x", ratio <= 1.5)
    ratio = float(fetch[4]) / float(fetch[3])
    t.add(f"fetch {tags} tags (vs empty ref-tx hook)", row(f"fetch {tags} tags, Refuge"),
          row(f"fetch {tags} tags, empty ref-tx hook"), fetches, ratio, "≤ 1.25x", ratio <= 1.25)
    t.add(f"fetch {tags} tags, git with no hook at all", "—", row(f"fetch {tags} tags, no hooks"), fetches)
    t.check("hooks.sh: Refuge recorded every push and every fetched tag", rec[1] == rec[2] == rec[3] and rec[4] == rec[5],
            f"{rec[1]} server and {rec[2]} client rows for {rec[3]} pushes, {rec[4]} of {rec[5]} tags")


def scratch_db(wl, name):
    path = os.path.join(wl["dir"], "scratch", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    for stale in [path + suffix for suffix in ("", "-wal", "-shm") if os.path.exists(path + suffix)]:
        os.remove(stale)
    return path


def dropped(t, args, bin, env, wl):
    """A forced update dropping 10,000 commits: the drain that classifies it vs git counting them."""
    print("== dropped: drain of a spooled forced update vs git rev-list --count", flush=True)
    hist = os.path.join(wl["dir"], "history")
    gitdir = os.path.join(hist, ".git")
    env = dict(env, REFUGE_DATABASE=scratch_db(wl, "drain.db"))
    main, big = wl["main"], wl["big"]
    # What install and the updates change, put back afterwards: the later sections read this repository.
    saved = {p: open(p, "rb").read() for p in (os.path.join(gitdir, "config"),
             os.path.join(gitdir, "logs", "refs", "heads", "big")) if os.path.exists(p)}
    git = lambda *a: run(["git", *a], hist, env)
    run([bin, "install", "-C", hist], hist, env)
    calls = []
    try:
        def forced():
            calls.append(1)
            git("update-ref", "refs/heads/big", main)     # the reference-transaction hook spools it
            timed = run([bin, "drain"], hist, env)
            git("update-ref", "refs/heads/big", big)
            run([bin, "drain"], hist, env)
            return timed
        rs, gs = measure(args.trials, forced, lambda: git("rev-list", "--count", big, "^" + main))
        empty, _ = measure(args.trials, lambda: run([bin, "drain"], hist, env))
        events = json.loads(run([bin, "log", "--json", "--ref", "big", "--kind", "forced"], hist, env).out)
    finally:
        run([bin, "uninstall", "-C", hist], hist, env)
        pins = git("for-each-ref", "--format=delete %(refname)", "refs/refuge/").out
        subprocess.run(["git", "update-ref", "--stdin"], cwd=hist, input=pins.encode(), check=True)
        for leftover in ("refuge", "logs/refs/refuge"):   # the spool, the pins' empty log directory
            shutil.rmtree(os.path.join(gitdir, leftover), ignore_errors=True)
        for path, data in saved.items():
            with open(path, "wb") as f:
                f.write(data)
    t.timed(f"drain: forced update dropping {wl['big_drops']} (vs rev-list --count)", rs, gs)
    t.timed("drain with nothing spooled (fixed cost)", empty)
    t.add("peak RSS: drain of that forced update", f"{peak(rs):.1f} MiB", f"{peak(gs):.1f} MiB", len(rs), None,
          "≤ 40 MiB", peak(rs) <= 40)
    t.check("git rev-list --count big ^main", gs[-1].out.strip() == str(wl["big_drops"]),
            f"{gs[-1].out.strip()}, workload.json says {wl['big_drops']}")
    mine = [e for e in events if e["old"] == big and e["new"] == main]
    t.check("log: each timed forced update has dropped == big_drops",
            len(mine) == len(calls) and all(e["dropped"] == wl["big_drops"] for e in mine),
            f"{len(mine)} events (expected {len(calls)}), dropped {sorted({e['dropped'] for e in mine})}")


def lost(t, args, bin, env, wl):
    print("== lost: vs git rev-list --reflog and git fsck --unreachable", flush=True)
    hist = os.path.join(wl["dir"], "history")
    env = dict(env, REFUGE_DATABASE=scratch_db(wl, "lost.db"))
    # As where Refuge is installed: a log exists (a drain makes it), so lost keeps its commit-graph fresh.
    # Where nothing is recorded, lost writes nothing into .git, and walks without one.
    run([bin, "drain"], hist, env)
    rs, gs = measure(args.trials, lambda: run([bin, "lost", "--json"], hist, env),
                     lambda: run(["git", "rev-list", "--reflog", "--not", "--all"], hist, env))
    t.timed("lost (vs rev-list --reflog --not --all)", rs, gs, limit=1.0)
    mine, theirs = sum(x["commits"] for x in json.loads(rs[-1].out)), len(gs[-1].out.split())
    t.check("lost: commits == git's", mine == theirs == wl["lost_commits_in_reflogs"],
            f"Refuge {mine}, git {theirs}, workload.json {wl['lost_commits_in_reflogs']}")

    env["REFUGE_DATABASE"] = scratch_db(wl, "lost.db")
    run([bin, "drain"], hist, env)
    rs, gs = measure(min(args.trials, 3), lambda: run([bin, "lost", "--all-objects", "--json"], hist, env),
                     lambda: run(["git", "fsck", "--unreachable", "--no-reflogs"], hist, env))
    t.timed("lost --all-objects (vs fsck --unreachable --no-reflogs)", rs, gs, limit=0.5)
    t.add("peak RSS: lost --all-objects (vs fsck)", f"{peak(rs):.1f} MiB", f"{peak(gs):.1f} MiB", len(rs))
    expected = wl["lost_commits_in_reflogs"] + wl["lost_commits_deleted"]
    mine = sum(x["commits"] for x in json.loads(rs[-1].out))
    theirs = sum(1 for line in gs[-1].out.splitlines() if line.startswith("unreachable commit "))
    t.check("lost --all-objects: commits == git's", mine == theirs == expected,
            f"Refuge {mine}, git {theirs}, workload.json {expected}")


def reflogs(repo):
    """(entries, times of the forced ones) in the events repository's reflogs, read from the files: in this
    workload a forced update is a `reset:` entry (workload.py)."""
    entries, resets = 0, []
    for d, _, files in os.walk(os.path.join(repo, ".git", "logs")):
        for name in files:
            with open(os.path.join(d, name), errors="replace") as f:
                for line in f:
                    entries += 1
                    head, _, message = line.partition("\t")
                    if message.startswith("reset:"):
                        resets.append(int(head.split()[-2]))
    return entries, resets


def db_stats(db):
    """(events, bytes of the pages in use: page_count - freelist_count, × page_size) read through a
    read-only connection, which changes no file. Free pages (a migration's old table, until VACUUM) are
    the file's, not the events'."""
    if not os.path.exists(db):
        return 0, 0
    with sqlite3.connect(f"file:{quote(db)}?mode=ro", uri=True) as c:
        one = lambda sql: c.execute(sql).fetchone()[0]
        pages = one("PRAGMA page_count") - one("PRAGMA freelist_count")
        return one("SELECT count(*) FROM event"), pages * one("PRAGMA page_size")


def events(t, args, bin, env, wl):
    print("== events: the audit log of the events repository", flush=True)
    repo, db = os.path.join(wl["dir"], "events"), os.path.join(wl["dir"], "events.db")
    env = dict(env, REFUGE_DATABASE=db)
    refuge = lambda *a: run([bin, *a], repo, env)
    entries, resets = reflogs(repo)
    if db_stats(db)[0] < wl["event_entries"] * 0.99:
        print(f"  backfill of {entries} reflog entries into {db} (once)", flush=True)
        r = refuge("backfill", "--json")
        counts = json.loads(r.out)
        t.add(f"backfill of {counts['imported']} events (once)",
              f"{r.ms / 1000:.1f} s, {counts['imported'] / (r.ms / 1000):.0f} events/s", trials=1)
        t.check("backfill: every reflog entry imported or already there",
                counts["entries"] == entries and counts["imported"] + counts["already_recorded"] == entries,
                f"{counts}; the reflogs hold {entries}")
    else:
        print(f"  reusing {db}")
    rows, pages = db_stats(db)
    t.check("audit log rows == reflog entries", rows == entries, f"{rows} rows, {entries} entries")
    if not rows:
        return

    window = lambda: sum(1 for when in resets if when >= time.time() - 7 * 86400)
    hi = window()
    rs, _ = measure(args.trials, lambda: refuge("log", "--forced", "--since", "7.days.ago", "--json"))
    lo, found = window(), json.loads(rs[-1].out)
    t.timed("log --forced --since 7.days.ago", rs, limit_ms=50)
    t.check("log --forced: only forced updates, as many as the reflogs hold",
            lo <= len(found) <= hi and all(e["kind"] in ("forced", "delete") for e in found),
            f"{len(found)} events, reflogs {lo}..{hi}" + ("" if found else " (none in this workload's last 7 days)"))

    newest = (json.loads(refuge("log", "--kind", "forced", "--limit", "1", "--json").out) or [None])[-1]
    if newest is None:
        return t.check("log --kind forced --limit 1: the newest forced event", False, "none")
    rs, _ = measure(args.trials, lambda: refuge("show", str(newest["id"]), "--json"))
    t.timed(f"show #{newest['id']} (newest forced)", rs, limit_ms=1000)
    shown = json.loads(rs[-1].out)
    # Every ref but Refuge's pins, as git sees them: a commit one of them reaches is not "gone".
    live = set(run(["git", "rev-list", "--exclude=refs/refuge/*", "--all"], repo, env).out.split())
    bad = [f"{c['oid'][:10]} {c['state']}" for c in shown["dropped_commits"]
           if c["state"] != "pinned" and (c["state"] == "reachable") != (c["oid"] in live)]
    t.check("show: dropped commits listed, and reachable/gone as git says",
            shown["id"] == newest["id"] and shown["dropped"] == len(shown["dropped_commits"]) and not bad,
            f"dropped {shown['dropped']}, listed {len(shown['dropped_commits'])}; "
            f"{len(bad)} states git contradicts: {', '.join(bad[:2])}{' …' if len(bad) > 2 else ''}")

    # A report scans the repository for lost commits as `lost` does: here that reads a million reflog
    # entries, which bounds the report however fast its audit-log part is (Docs/Performance.md).
    if not args.skip_report:
        rs, gs = measure(args.trials, lambda: refuge("lost", "--json"),
                         lambda: run(["git", "rev-list", "--reflog", "--not", "--all"], repo, env))
        t.timed(f"lost here: {entries} reflog entries (part of a report)", rs, gs)

    for fmt in () if args.skip_report else ("json", "html"):
        out = os.path.join(wl["dir"], "scratch", f"report.{fmt}")
        if os.path.exists(out):
            os.remove(out)     # a report an earlier run left must not pass for this run's
        rs, _ = measure(args.trials, lambda: refuge("report", "--format", fmt, "--output", out))
        t.timed(f"report --format {fmt} (all {rows} events)", rs, limit_ms=1000)
        text = open(out, errors="replace").read() if os.path.exists(out) else ""
        if fmt == "html":
            t.check("report html: a whole page", text.rstrip().endswith("</html>"), f"{len(text)} characters")
            continue
        summary = json.loads(text)["summary"]
        got = (summary["headline"]["updates"], summary["by_kind"]["forced"], summary["headline"]["forced"],
               len(summary["rewrites"]))
        expected = (rows, len(resets), len(resets), min(len(resets), summary["list_limit"]))
        t.check("report json: (updates, forced, rewrites counted, rewrites listed)", got == expected,
                f"{got}, expected {expected}")

    on_disk = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    t.add("database bytes per event (pages in use)", f"{pages / rows:.0f} B", target="≤ 300 B",
          met=pages / rows <= 300)
    t.add("database bytes per event (files: db + wal, free pages included)", f"{on_disk / rows:.0f} B")


# ---- the fleet: the central PostgreSQL store ---------------------------------------------------------

class Postgres:
    """A throwaway PostgreSQL 15 server on a unix socket (no TCP port), as the tests start one; fsync on,
    as a real central store has it."""
    BIN = "/usr/lib/postgresql/15/bin"

    def __init__(self, directory):
        self.dir = directory
        self.account = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        os.chmod(directory, 0o755)
        if self.account:
            shutil.chown(directory, "postgres")
        self.pg(["initdb", "-D", f"{directory}/data", "-A", "trust", "-U", "refuge", "-E", "UTF8", "--locale=C"])
        self.pg(["pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/log", "-w", "-o",
                 f"-k {directory} -c listen_addresses='' -c shared_buffers=512MB -c max_wal_size=4GB", "start"])

    def pg(self, argv):
        done = subprocess.run(self.account + [f"{self.BIN}/{argv[0]}", *argv[1:]], cwd="/tmp", capture_output=True, text=True)
        if done.returncode:
            raise CommandFailed(f"{argv[0]} failed: {done.stdout}{done.stderr}")

    def conninfo(self, database):
        return f"host={self.dir} user=refuge dbname={database}"

    def sql(self, statement, database="fleet"):
        done = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-U", "refuge",
                               "-d", database, "-c", statement], capture_output=True, text=True)
        if done.returncode:
            raise CommandFailed(f"psql: {statement[:80]}…: {done.stderr}")
        return done.stdout.strip()

    def stop(self):
        subprocess.run(self.account + [f"{self.BIN}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop"],
                       cwd="/tmp", capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def more_events(scratch, bin, env, db, name, entries):
    """A repository that appends `entries` + 2 events to the log `db` (a reflog backfilled): new events to ship."""
    repo = os.path.join(scratch, name)
    shutil.rmtree(repo, ignore_errors=True)
    run(["git", "init", "-q", repo], scratch, env)
    ids = []
    for n in range(2):
        run(["git", "-c", "user.name=B", "-c", "user.email=b@example.com", "commit", "-q", "--allow-empty", "-m", f"c{n}"], repo, env)
        ids.append(run(["git", "rev-parse", "HEAD"], repo, env).out.strip())
    lines = [f"{'0' * 40} {ids[0]} B <b@example.com> 1767225600 +0000\tbranch: Created"]
    current = ids[0]
    for step in range(entries - 1):
        following = ids[1] if current == ids[0] else ids[0]
        lines.append(f"{current} {following} B <b@example.com> {1767225601 + step} +0000\treset: moving")
        current = following
    os.makedirs(os.path.join(repo, ".git", "logs", "refs", "heads"), exist_ok=True)
    open(os.path.join(repo, ".git", "logs", "refs", "heads", "many"), "w").write("\n".join(lines) + "\n")
    open(os.path.join(repo, ".git", "refs", "heads", "many"), "w").write(current + "\n")
    run([bin, "backfill"], repo, dict(env, REFUGE_DATABASE=db))


def fleet(t, args, bin, env, wl):
    """Shipping the 1M-event log into a central PostgreSQL, then the fleet's queries over N sources."""
    if not os.access(f"{Postgres.BIN}/initdb", os.X_OK):
        return t.check("fleet: PostgreSQL 15 installed (apt-get install postgresql)", False, "no initdb")
    events_db, scratch = os.path.join(wl["dir"], "events.db"), os.path.join(wl["dir"], "scratch")
    if not os.path.exists(events_db):
        return
    sources = args.fleet_sources or (2 if args.quick else 10)
    print(f"== fleet: ship the events log into PostgreSQL, then queries over {sources} sources", flush=True)
    db = scratch_db(wl, "fleet.db")
    shutil.copyfile(events_db, db)          # shipped and appended to: the workload's own log stays as built
    repo = os.path.join(wl["dir"], "events")
    local_env = dict(env, REFUGE_DATABASE=db)
    postgres = Postgres(os.path.join(scratch, "pg"))
    try:
        postgres.sql("CREATE DATABASE fleet", database="postgres")
        central = postgres.conninfo("fleet")
        run([bin, "central", "init", "--to", central], repo, local_env)
        rows = db_stats(db)[0]
        first = run([bin, "ship", "--to", central, "--all-repositories", "--json"], repo, local_env)
        shipped = json.loads(first.out)
        rate = shipped["shipped"] / (first.ms / 1000)
        t.add(f"ship {shipped['shipped']} events into an empty central store", f"{first.ms / 1000:.1f} s, {rate:,.0f} events/s",
              trials=1, target="≥ 50,000/s", met=rate >= 50_000)
        t.check("ship: every event central once", shipped["shipped"] == rows and
                postgres.sql("SELECT count(*) || ' ' || count(DISTINCT seq) FROM event") == f"{rows} {rows}",
                f"{shipped['shipped']} shipped of {rows}")
        incremental = []
        for trial in range(args.trials):
            more_events(scratch, bin, env, db, f"more-{trial}", 998)   # 1,000 events with its two commits
            incremental.append(run([bin, "ship", "--to", central, "--all-repositories", "--json"], repo, local_env))
        t.timed("ship 1,000 new events (incremental)", incremental, limit_ms=200)
        t.check("incremental ships: 1,000 events each", all(json.loads(r.out)["shipped"] == 1000 for r in incremental),
                ", ".join(str(json.loads(r.out)["shipped"]) for r in incremental))
        rs, _ = measure(1, lambda: run([bin, "verify", "--central", "--store", central, "--json"], repo, env))
        verified = json.loads(rs[-1].out)
        t.timed(f"verify --central (recompute {verified['sources'][0]['events']} events' chain)", rs)
        t.check("verify --central: intact", verified["intact"], str(verified["sources"][0].get("first_break")))

        # N sources of the same shape: the first ship's rows (the events workload's, not those of the
        # repositories the incremental ships added) copied under new ids and hosts, by SQL: N × 1,000,000.
        source = shipped["source"]
        columns = ("seq, time, side, hook, repository_identity, repository_path, ref, old, new, kind, dropped, pusher, remote, "
                   "url, local_ref, push_options, status, batch, process_id, reason, undoes, hash, stored_time, address, old_text, new_text, "
                   "batch_text, repository_identity_text")
        key = postgres.sql(f"SELECT key FROM source WHERE id = '{source}'")
        first_ship = f"source_key = {key} AND seq <= {rows}"
        paths = postgres.sql(f"SELECT string_agg(quote_literal(p), ',') FROM (SELECT DISTINCT repository_path p FROM event WHERE {first_ship}) x")
        started = time.perf_counter()
        for k in range(2, sources + 1):
            postgres.sql(f"INSERT INTO source (id, host, database_path, first_seq, last_seq, last_hash, last_shipped_at) "
                         f"SELECT 'replica-{k}', 'git{k}', database_path, first_seq, {rows}, "
                         f"(SELECT encode(hash, 'hex') FROM event WHERE source_key = {key} AND seq = {rows}), now() FROM source WHERE id = '{source}'")
            postgres.sql(f"INSERT INTO event (source_key, {columns}) SELECT (SELECT key FROM source WHERE id = 'replica-{k}'), {columns} "
                         f"FROM event WHERE {first_ship}")
            if postgres.sql("SELECT to_regclass('event_day') IS NOT NULL") == "t":
                postgres.sql(f"INSERT INTO event_day (source_key, repository_path, day, kind, side, status, hook, bookkeeping, count) "
                             f"SELECT (SELECT key FROM source WHERE id = 'replica-{k}'), repository_path, day, kind, side, status, hook, "
                             f"bookkeeping, count FROM event_day WHERE source_key = {key} AND repository_path IN ({paths})")
        postgres.sql("VACUUM ANALYZE")
        total = int(postgres.sql("SELECT count(*) FROM event"))
        print(f"  {total} events in {sources} sources ({time.perf_counter() - started:.0f} s to copy)", flush=True)
        rs, _ = measure(args.trials, lambda: run([bin, "log", "--central", "--store", central, "--forced", "--since", "7.days.ago",
                                                  "--json"], repo, env))
        found = json.loads(rs[-1].out)
        t.timed(f"log --central --forced --since 7.days.ago ({total} events)", rs, limit_ms=100)
        expected = int(postgres.sql("SELECT count(*) FROM event WHERE kind IN ('forced', 'delete') AND time >= now() - interval '7 days'"))
        t.check("log --central --forced: the forced updates of the last 7 days, every source's",
                abs(len(found) - expected) <= sources and all(e["kind"] in ("forced", "delete") for e in found),
                f"{len(found)} events, {expected} in the store")
        out = os.path.join(scratch, "central-report.json")
        rs, _ = measure(args.trials, lambda: run([bin, "report", "--central", "--store", central, "--format", "json",
                                                  "--output", out], repo, env))
        t.timed(f"report --central --format json ({total} events)", rs, limit_ms=2000)
        report = json.load(open(out))
        t.check("report --central: every event counted, per server", report["summary"]["headline"]["events"] == total
                and len(report["servers"]) == sources, f"{report['summary']['headline']['events']} events, "
                f"{len(report.get('servers') or [])} servers")
        size = int(postgres.sql("SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'event'::regclass"))
        t.add("central bytes per event (table + indexes)", f"{size / total:.0f} B", target="≤ 400 B", met=size / total <= 400)
    finally:
        postgres.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "refuge-scale"))
    parser.add_argument("--bin")
    parser.add_argument("--trials", type=int)
    parser.add_argument("--quick", action="store_true", help="a small workload and fewer trials: a smoke run")
    parser.add_argument("--skip-hooks", action="store_true", help="leave out hooks.sh (push and fetch)")
    parser.add_argument("--skip-report", action="store_true",
                        help="leave out the report rows (and the lost scan of the events repository)")
    parser.add_argument("--events", type=int, help="event reflog entries, when the workload is built")
    parser.add_argument("--markdown", action="store_true", help="also print the table in Markdown")
    parser.add_argument("--skip-fleet", action="store_true", help="leave out the central PostgreSQL store (ship, fleet queries)")
    parser.add_argument("--fleet-sources", type=int, help="sources in the fleet rows (default 10; --quick 2)")
    args = parser.parse_args()
    args.trials = args.trials or (3 if args.quick else 5)
    bin = os.path.abspath(args.bin or os.environ.get("REFUGE_BIN") or
                          os.path.join(ROOT, ".build", "release", "git-refuge"))
    if not os.access(bin, os.X_OK):
        fail(f"no git-refuge binary at {bin} (build it, or pass --bin or REFUGE_BIN)")
    # The hook shims honour REFUGE_BIN; the audit log is chosen per section; no outer GIT_DIR leaks in.
    env = {k: v for k, v in os.environ.items() if k not in ("REFUGE_DATABASE", "GIT_DIR", "GIT_WORK_TREE")}
    env["REFUGE_BIN"] = bin
    t = Table()
    try:
        wl = workload(args)
        header(bin, env, wl)
        if not args.skip_hooks:
            hooks(t, args, env)
        dropped(t, args, bin, env, wl)
        lost(t, args, bin, env, wl)
        events(t, args, bin, env, wl)
        if not args.skip_fleet:
            fleet(t, args, bin, env, wl)
    except CommandFailed as failure:
        t.print(args.markdown)
        fail(f"a command failed: {failure}")
    t.print(args.markdown)
    print()
    print("verdict: " + ("all targets met" if not t.missed else "missed: " + "; ".join(t.missed)))
    if t.wrong:
        print("WRONG answers: " + "; ".join(t.wrong))
        sys.exit(1)


if __name__ == "__main__":
    main()
