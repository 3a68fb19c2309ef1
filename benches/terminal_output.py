#!/usr/bin/env python3
"""Terminal output, CPU and memory of a full-screen program in a pseudo-terminal.

DESIGN.md §8 budgets: idle room <= 100 B/s to the terminal, <= 0.2 % of one core, first
complete frame <= 150 ms. Usage:

    benches/terminal_output.py [--cols 160 --rows 48 --warmup 3 --duration 10] -- CMD ARGS...

Prints one JSON line: bytes_per_s, cpu_pct (of one core, process tree incl. threads),
rss_kb_peak (VmHWM), first_byte_ms, first_frame_ms (first quiet gap of 100 ms after output
started; with --frame-min-bytes N, after at least N bytes, so a program that sets the terminal
up and then waits before drawing, as htop does for ~100 ms, is timed to its first screen, not
to its set-up sequence). Stdlib only; Linux (/proc). Cross-check figures with ../shared/tools/ptybench.py.

Optional extras (each adds keys to the JSON line only when asked for):

    --fine-cpu        cpu_pct_fine: the same window from /proc/PID/task/*/schedstat (ns, so
                      sub-0.1 % figures mean something; the tick-based cpu_pct is 1/CLK_TCK).
    --stamps          spawn_unix, window_start_unix, window_end_unix (wall clock), so a caller
                      can line the window up with what a server saw.
    --probe SPEC      after the measured window (so it costs the window nothing), send keys and
                      time the answer; repeatable, run in order. SPEC is the keys (Python
                      escapes: '?', '\\x1b') or a JSON object {"keys": "?", "expect": "Any key
                      closes", "period": 5, "offset": 2.5, "wall_frac": 0.3, "timeout": 3,
                      "label": "help"}: send at the next time with (t - spawn) mod period ==
                      offset, then at the next wall-clock second + wall_frac (steer clear of
                      the once-a-second clock redraw and of probe rounds). Reported in
                      "probes": first_byte_ms (send -> first output byte), match_ms (send ->
                      the output, escape sequences and spaces removed, contains expect),
                      settle_ms (send -> last byte before a --probe-quiet-ms gap), bytes, and
                      busy_bytes_before (output in the 200 ms before the send: non-zero means
                      the probe overlapped other redraws). With "after_output_bytes": B the
                      keys go right after the first read of >= B bytes (a redraw; up to
                      "wait_s", default 2 s; "after_output" says whether one came).
    --dump FILE       write every byte read from the pty (window and probes) to FILE.
"""
import argparse, fcntl, json, os, pty, re, select, signal, struct, sys, termios, time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            rest = f.read().rsplit(b")", 1)[1].split()
        return sum(int(x) for x in rest[11:15])
    except OSError:
        return 0


def hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def sched_ns(pid):
    """On-CPU nanoseconds of all live threads of pid (schedstat)."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


ESC_RE = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|\x1b")


def visible(data):
    """Output bytes with escape sequences and whitespace removed (a diffing renderer skips
    unchanged cells, often spaces, so matching ignores them)."""
    return re.sub(rb"\s+", b"", ESC_RE.sub(b"", data))


def parse_probe(spec):
    if spec.lstrip().startswith("{"):
        p = json.loads(spec)
    else:
        p = {"keys": spec}
    import codecs
    p["raw"] = codecs.decode(p["keys"], "unicode_escape").encode("utf-8", "surrogatepass")
    return p


def run_probes(fd, start, probes, quiet_s, dump=None):
    """Sends each probe's keys and times the answer (see --probe). Returns result dicts."""
    history = []  # (t, n) of output, for busy_bytes_before
    out = []

    def drain_until(deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            r, _, _ = select.select([fd], [], [], min(left, 0.05))
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return False
                if not data:
                    return False
                history.append((time.monotonic(), len(data)))
                if dump:
                    dump.write(data)

    earliest = time.monotonic() + 0.3
    for p in probes:
        t_send = earliest
        if p.get("period"):
            per, off = float(p["period"]), float(p.get("offset", 0.0))
            k = -(-((t_send - start) - off) // per)  # ceil
            t_send = start + off + k * per
        if p.get("wall_frac") is not None:
            wall = time.time() + (t_send - time.monotonic())
            t_send += (float(p["wall_frac"]) - wall % 1.0) % 1.0
        if not drain_until(t_send):
            out.append({"label": p.get("label"), "keys": p["keys"], "error": "pty closed"})
            break
        waited = None
        if p.get("after_output_bytes"):
            # send right after a burst of output (e.g. a redraw for a round of readings)
            want, give_up = int(p["after_output_bytes"]), time.monotonic() + float(p.get("wait_s", 2.0))
            waited = False
            while not waited and time.monotonic() < give_up:
                r, _, _ = select.select([fd], [], [], 0.002)
                if not r:
                    continue
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                history.append((time.monotonic(), len(data)))
                if dump:
                    dump.write(data)
                waited = len(data) >= want
        sent = time.monotonic()
        busy = sum(n for t, n in history if t >= sent - 0.2)
        os.write(fd, p["raw"])
        expect = visible(p["expect"].encode()) if p.get("expect") else None
        timeout = float(p.get("timeout", 3.0))
        first = match = last = None
        got = b""
        nbytes = 0
        while True:
            now = time.monotonic()
            if now - sent >= timeout:
                break
            if last is not None and now - last >= quiet_s and (expect is None or match is not None):
                break
            r, _, _ = select.select([fd], [], [], 0.002)
            if not r:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            now = time.monotonic()
            history.append((now, len(data)))
            if dump:
                dump.write(data)
            if first is None:
                first = now
            last = now
            nbytes += len(data)
            got += data
            if expect is not None and match is None and expect in visible(got):
                match = now

        def ms(t):
            return None if t is None else round((t - sent) * 1000, 1)

        out.append({
            "label": p.get("label"),
            "keys": p["keys"],
            "at_s": round(sent - start, 3),
            "busy_bytes_before": busy,
            "first_byte_ms": ms(first),
            "match_ms": ms(match) if expect is not None else None,
            "settle_ms": ms(last) if last is not None and (expect is None or match is not None) else None,
            "bytes": nbytes,
            "timed_out": time.monotonic() - sent >= timeout,
        })
        if waited is not None:
            out[-1]["after_output"] = waited
        earliest = time.monotonic() + 0.3
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cols", type=int, default=160)
    ap.add_argument("--rows", type=int, default=48)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--frame-min-bytes", type=int, default=0,
                    help="first_frame_ms: the first 100 ms quiet gap after at least this many bytes")
    ap.add_argument("--fine-cpu", action="store_true", help="add cpu_pct_fine (schedstat, ns)")
    ap.add_argument("--stamps", action="store_true", help="add wall-clock stamps of the window")
    ap.add_argument("--probe", action="append", default=[], metavar="SPEC",
                    help="after the window send keys and time the answer (see the module doc)")
    ap.add_argument("--probe-quiet-ms", type=float, default=100.0,
                    help="a probe's answer has settled after this long without output")
    ap.add_argument("--dump", metavar="FILE", help="write the raw output bytes to FILE")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("give the command after --")
    probes = [parse_probe(p) for p in a.probe]
    dump = open(a.dump, "wb") if a.dump else None
    spawn_unix = time.time()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", a.rows, a.cols, 0, 0))
    start = time.monotonic()
    first_byte = first_frame = None
    last_out = None
    measured = 0
    total = 0
    cpu0 = None
    end = start + a.warmup + a.duration
    peak = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if cpu0 is None and now - start >= a.warmup:
            cpu0 = (cpu_ticks(pid), now)
            ns0, win0_unix = sched_ns(pid), time.time()
        r, _, _ = select.select([fd], [], [], 0.05)
        now = time.monotonic()
        if (first_byte is not None and first_frame is None and last_out and now - last_out >= 0.1
                and total >= a.frame_min_bytes):
            first_frame = last_out - start
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        if dump:
            dump.write(data)
        if first_byte is None:
            first_byte = now - start
        last_out = now
        total += len(data)
        if now - start >= a.warmup:
            measured += len(data)
        peak = max(peak, hwm_kb(pid))
    cpu1 = (cpu_ticks(pid), time.monotonic())
    ns1, win1_unix = sched_ns(pid), time.time()
    peak = max(peak, hwm_kb(pid))
    probe_results = run_probes(fd, start, probes, a.probe_quiet_ms / 1000.0, dump) if probes else None
    if dump:
        dump.close()
    if probes:
        peak = max(peak, hwm_kb(pid))
    os.kill(pid, signal.SIGTERM)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    cpu_pct = None
    if cpu0:
        cpu_pct = 100.0 * (cpu1[0] - cpu0[0]) / TICK / max(cpu1[1] - cpu0[1], 1e-9)
    result = {
        "cmd": " ".join(cmd),
        "size": f"{a.cols}x{a.rows}",
        "bytes_per_s": round(measured / a.duration, 1),
        "cpu_pct": None if cpu_pct is None else round(cpu_pct, 3),
        "rss_kb_peak": peak,
        "first_byte_ms": None if first_byte is None else round(first_byte * 1000, 1),
        "first_frame_ms": None if first_frame is None else round(first_frame * 1000, 1),
    }
    if a.fine_cpu and cpu0:
        result["cpu_pct_fine"] = round(100.0 * (ns1 - ns0) / 1e9 / max(cpu1[1] - cpu0[1], 1e-9), 3)
    if a.stamps and cpu0:
        result["spawn_unix"] = round(spawn_unix, 3)
        result["window_start_unix"] = round(win0_unix, 3)
        result["window_end_unix"] = round(win1_unix, 3)
    if probe_results is not None:
        result["probes"] = probe_results
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
