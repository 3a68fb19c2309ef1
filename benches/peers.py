#!/usr/bin/env python3
"""warroom against htop and btop on the same terminal harness: a Markdown table for the README.

    benches/peers.py [--reps 5] [--warmup 3] [--duration 10] [--cols 160 --rows 48]
                     [--bin target/release/warroom] [--plan ../shared/plans/crm-platform-launch.md]
                     [--only idle-md,idle-toml,demo,htop,btop] [--keep DIR] [--json] [--check]

Every row is one command run by benches/terminal_output.py (see its docstring) in a
pseudo-terminal of 160x48, TERM=xterm-256color, LANG=C.UTF-8, 3 s to settle, then 10 s
measured. Each command runs --reps times, round-robin (rep 1 of every row, then rep 2, ...)
so that a change in machine load hits every row alike. Rows:

  idle-md    warroom open PLAN --journal TMP/room.journal.jsonl   (the README's budget plan,
             a fresh journal: the room not started, only the clocks and countdown ticking)
  idle-toml  warroom open TMP/plan.toml --journal ...  (a one-phase TOML plan, no checks,
             no metrics, go-live in the future: clocks and countdown only)
  demo       warroom demo --scenario healthy --journal ...  (6 checks and 4 metrics polling the
             simulated services, which run inside the same process, so their CPU counts too)
  htop, btop default settings (no config file: each run gets an empty HOME)

Every run gets its own temporary HOME, XDG_{CONFIG,CACHE,DATA,STATE}_HOME and TMPDIR (removed
afterwards), so personal configs do not change results and nothing is written elsewhere.
The script installs nothing: a peer that is not on PATH is reported (with the apt-get line to
install it) and the other rows are still measured.

Columns of the table (each cell: median of the reps, range min-max in brackets):

  bytes/s          bytes the program wrote to the terminal per second in the measured window
  CPU % of a core  on-CPU time of the process's threads in the window / wall time, x100
                   (/proc/PID/task/*/schedstat, ns precision; the 10 ms tick-based figure is
                   in the --json lines as cpu_pct_ticks)
  peak RSS         VmHWM of the process at the end of the window, MB (1 MB = 1024 KiB)
  first frame ms   spawn -> last byte before the first 100 ms without output once at least
                   1,000 bytes are out (the first complete screen: htop sends a 73-byte set-up
                   sequence, then waits ~100 ms to sample CPU before it draws). A wall-clock
                   figure, so it grows with machine load.

Above the table: host, CPU, kernel, UTC time, warroom commit, and the 1-minute load average
and whole-machine busy % seen during the measured windows (the machine is shared: first-frame
times are the figure load inflates). Below it: the DESIGN.md §8 idle budgets checked against
the warroom idle rows (worst rep). --check: exit 1 if one of those budgets is broken.
--json: one JSON line per run. --keep DIR: keep each run's raw terminal output (DIR/ROW-N.raw).
Stdlib only; Linux.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "benches" / "terminal_output.py"
DEFAULT_PLAN = ROOT.parent / "shared" / "plans" / "crm-platform-launch.md"

# DESIGN.md §8, idle room
BUDGET_BYTES = 100.0
BUDGET_CPU = 0.2
BUDGET_FIRST_FRAME_MS = 150.0

# first frame: the first quiet gap after this much output (see the docstring)
FRAME_MIN_BYTES = 1000

ROWS = ["idle-md", "idle-toml", "demo", "htop", "btop"]

TOML_PLAN = """title = "Idle bench"
t0 = "2030-01-01T09:00:00Z"

[[phase]]
id = "deploy"
title = "Deploy"
schedule = { kind = "at", start = "2030-01-01T09:00:00Z", end = "2030-01-01T10:00:00Z" }
  [[phase.task]]
  text = "Roll out"
"""


def default_bin():
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else ROOT / "target"
    return base / "release" / "warroom"


class Sampler(threading.Thread):
    """Every 0.5 s: whole-machine busy jiffies and the 1-minute load average."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples = []  # (unix, busy, total, load1)
        self.stop_ev = threading.Event()

    def run(self):
        while not self.stop_ev.is_set():
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:]]
            with open("/proc/loadavg") as f:
                load1 = float(f.read().split()[0])
            idle = v[3] + v[4]
            self.samples.append((time.time(), sum(v) - idle, sum(v), load1))
            self.stop_ev.wait(0.5)

    def window(self, t0, t1):
        inside = [s for s in list(self.samples) if t0 - 0.6 <= s[0] <= t1 + 0.6]
        if len(inside) < 2:
            return {}
        a, b = inside[0], inside[-1]
        return {
            "machine_busy_pct": round(100.0 * (b[1] - a[1]) / max(b[2] - a[2], 1), 1),
            "load1_min": min(s[3] for s in inside),
            "load1_max": max(s[3] for s in inside),
        }


def command(row, binary, plan, tmp):
    journal = str(tmp / "room.journal.jsonl")
    if row == "idle-md":
        return [str(binary), "open", str(plan), "--journal", journal]
    if row == "idle-toml":
        p = tmp / "plan.toml"
        p.write_text(TOML_PLAN)
        return [str(binary), "open", str(p), "--journal", journal]
    if row == "demo":
        return [str(binary), "demo", "--scenario", "healthy", "--journal", journal]
    return [row]


def label(row, plan):
    return {
        "idle-md": f"warroom idle (`open {plan.name}`)",
        "idle-toml": "warroom idle (TOML plan, no checks)",
        "demo": "warroom demo (6 checks + 4 metrics, healthy)",
        "htop": "htop (defaults)",
        "btop": "btop (defaults)",
    }[row]


def clean_env(tmp):
    home = tmp / "home"
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "TMPDIR": str(tmp / "tmp"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "TMPDIR"):
        Path(env[k]).mkdir(parents=True, exist_ok=True)
    if "TZ" in os.environ:
        env["TZ"] = os.environ["TZ"]
    return env


def run_one(a, row, rep, binary, plan, sampler):
    tmp = Path(tempfile.mkdtemp(prefix=f"warroom-peers-{row}-"))
    try:
        env = clean_env(tmp)
        cmd = command(row, binary, plan, tmp)
        harness = [sys.executable, str(HARNESS), "--cols", str(a.cols), "--rows", str(a.rows),
                   "--warmup", str(a.warmup), "--duration", str(a.duration),
                   "--fine-cpu", "--stamps", "--frame-min-bytes", str(FRAME_MIN_BYTES)]
        if a.keep:
            harness += ["--dump", str(Path(a.keep).resolve() / f"{row}-{rep}.raw")]
        load_before = open("/proc/loadavg").read().split()[:3]
        out = subprocess.run(harness + ["--"] + cmd, capture_output=True, text=True, env=env,
                             cwd=tmp, timeout=a.warmup + a.duration + 60)
        if out.returncode != 0 or not out.stdout.strip():
            return {"row": row, "rep": rep, "error": (out.stderr or "no output").strip()[-500:]}
        res = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "row": row,
        "rep": rep,
        "cmd": " ".join(cmd),
        "bytes_per_s": res["bytes_per_s"],
        "cpu_pct": res.get("cpu_pct_fine"),
        "cpu_pct_ticks": res["cpu_pct"],
        "rss_mb_peak": round(res["rss_kb_peak"] / 1024, 1),
        "first_byte_ms": res["first_byte_ms"],
        "first_frame_ms": res["first_frame_ms"],
        "loadavg_before": load_before,
        **sampler.window(res["window_start_unix"], res["window_end_unix"]),
    }


def cell(values, fmt, unit=""):
    v = [x for x in values if x is not None]
    if not v:
        return "–"
    med = fmt(statistics.median(v)) + unit
    if len(v) == 1:
        return med
    lo, hi = fmt(min(v)), fmt(max(v))
    return med if lo == hi else f"{med} ({lo}–{hi})"


def f_int(x):
    return f"{x:,.0f}"


def f_cpu(x):
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def f_mb(x):
    return f"{x:.1f}"


def machine_line():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.node()}, {cpu}, {os.cpu_count()} cores, Linux {platform.release()}")


def warroom_commit():
    try:
        r = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                           capture_output=True, text=True)
        return r.stdout.strip() or "?"
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cols", type=int, default=160)
    ap.add_argument("--rows", type=int, default=48)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--bin", type=Path, default=default_bin())
    ap.add_argument("--plan", type=Path, default=DEFAULT_PLAN)
    ap.add_argument("--only", default=",".join(ROWS), help="comma-separated rows: " + ",".join(ROWS))
    ap.add_argument("--keep", metavar="DIR", help="keep the raw terminal output of every run")
    ap.add_argument("--json", action="store_true", help="print one JSON line per run")
    ap.add_argument("--check", action="store_true", help="exit 1 if a warroom idle budget breaks")
    a = ap.parse_args()

    rows = [r.strip() for r in a.only.split(",") if r.strip()]
    bad = [r for r in rows if r not in ROWS]
    if bad:
        ap.error(f"unknown rows {bad}; known: {ROWS}")
    binary, plan = a.bin.resolve(), a.plan.resolve()
    skipped = {}
    if any(r in ("idle-md", "idle-toml", "demo") for r in rows) and not binary.is_file():
        for r in ("idle-md", "idle-toml", "demo"):
            skipped[r] = f"{binary} missing: cargo build --release --locked"
    if "idle-md" in rows and not plan.is_file():
        skipped["idle-md"] = f"plan {plan} missing (--plan)"
    for peer in ("htop", "btop"):
        if peer in rows and shutil.which(peer) is None:
            skipped[peer] = f"not on PATH; install it with: apt-get install -y {peer}"
    for r, why in skipped.items():
        if r in rows:
            print(f"peers: skipping {r}: {why}", file=sys.stderr)
    rows = [r for r in rows if r not in skipped]
    if a.keep:
        Path(a.keep).mkdir(parents=True, exist_ok=True)

    sampler = Sampler()
    sampler.start()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_start = open("/proc/loadavg").read().split()[:3]
    results = []
    for rep in range(1, a.reps + 1):
        for row in rows:
            print(f"peers: {row} rep {rep}/{a.reps}", file=sys.stderr, flush=True)
            res = run_one(a, row, rep, binary, plan, sampler)
            if "error" in res:
                print(f"peers: {row} rep {rep} failed: {res['error']}", file=sys.stderr)
            elif a.json:
                print(json.dumps(res), flush=True)
            results.append(res)
    sampler.stop_ev.set()
    load_end = open("/proc/loadavg").read().split()[:3]
    ok = [r for r in results if "error" not in r]

    print()
    print(f"Measured {started} on {machine_line()}; warroom {warroom_commit()}.")
    print(f"{a.cols}×{a.rows} pty, TERM=xterm-256color, {a.warmup:g} s settle + {a.duration:g} s "
          f"measured, {a.reps} reps per row (round-robin), benches/terminal_output.py; "
          "median (min–max).")
    if ok:
        lmin = min(r.get("load1_min", 99) for r in ok)
        lmax = max(r.get("load1_max", 0) for r in ok)
        busy = [r["machine_busy_pct"] for r in ok if "machine_busy_pct" in r]
        print(f"Load average: {' '.join(load_start)} at start, {' '.join(load_end)} at end; "
              f"1-min load {lmin:.2f}–{lmax:.2f} during the windows; whole machine "
              f"{min(busy):.0f}–{max(busy):.0f} % busy ({os.cpu_count()} cores)."
              if busy else f"Load average: {' '.join(load_start)} -> {' '.join(load_end)}.")
    print()
    print("| program | bytes/s | CPU % of a core | peak RSS | first frame ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        rs = [r for r in ok if r["row"] == row]
        if not rs:
            print(f"| {label(row, plan)} | failed | | | |")
            continue
        print(f"| {label(row, plan)} | {cell([r['bytes_per_s'] for r in rs], f_int)} "
              f"| {cell([r['cpu_pct'] for r in rs], f_cpu)} "
              f"| {cell([r['rss_mb_peak'] for r in rs], f_mb, ' MB')} "
              f"| {cell([r['first_frame_ms'] for r in rs], f_int)} |")
    for r, why in skipped.items():
        if r in a.only.split(","):
            print(f"| {label(r, plan)} | not measured: {why} | | | |")

    broken = False
    idle = [r for r in ok if r["row"] in ("idle-md", "idle-toml")]
    if idle:
        print()
        print("DESIGN.md §8 idle budgets, warroom idle rows, worst rep:")
        for name, key, limit in (("bytes/s", "bytes_per_s", BUDGET_BYTES),
                                 ("CPU % of a core", "cpu_pct", BUDGET_CPU),
                                 ("first frame ms", "first_frame_ms", BUDGET_FIRST_FRAME_MS)):
            vals = [r[key] for r in idle if r[key] is not None]
            if not vals:
                continue
            worst = max(vals)
            verdict = "ok" if worst <= limit else "OVER"
            broken |= worst > limit
            print(f"  {name} <= {limit:g}: worst {worst:g}, median "
                  f"{statistics.median(vals):g} -> {verdict}")
    failed = [r for r in results if "error" in r]
    if failed:
        print(f"\n{len(failed)} run(s) failed: " + ", ".join(f"{r['row']}#{r['rep']}" for r in failed))
    return 1 if (a.check and broken) else 0


if __name__ == "__main__":
    sys.exit(main())
