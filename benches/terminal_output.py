#!/usr/bin/env python3
"""Terminal output, CPU and memory of a full-screen program in a pseudo-terminal.

DESIGN.md §8 budgets: idle room <= 100 B/s to the terminal, <= 0.2 % of one core, first
complete frame <= 150 ms. Usage:

    benches/terminal_output.py [--cols 160 --rows 48 --warmup 3 --duration 10] -- CMD ARGS...

Prints one JSON line: bytes_per_s, cpu_pct (of one core, process tree incl. threads),
rss_kb_peak (VmHWM), first_byte_ms, first_frame_ms (first quiet gap of 100 ms after output
started). Stdlib only; Linux (/proc). Cross-check figures with ../shared/tools/ptybench.py.
"""
import argparse, fcntl, json, os, pty, select, signal, struct, sys, termios, time

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cols", type=int, default=160)
    ap.add_argument("--rows", type=int, default=48)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("give the command after --")
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", a.rows, a.cols, 0, 0))
    start = time.monotonic()
    first_byte = first_frame = None
    last_out = None
    measured = 0
    cpu0 = None
    end = start + a.warmup + a.duration
    peak = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if cpu0 is None and now - start >= a.warmup:
            cpu0 = (cpu_ticks(pid), now)
        r, _, _ = select.select([fd], [], [], 0.05)
        now = time.monotonic()
        if first_byte is not None and first_frame is None and last_out and now - last_out >= 0.1:
            first_frame = last_out - start
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        if first_byte is None:
            first_byte = now - start
        last_out = now
        if now - start >= a.warmup:
            measured += len(data)
        peak = max(peak, hwm_kb(pid))
    cpu1 = (cpu_ticks(pid), time.monotonic())
    peak = max(peak, hwm_kb(pid))
    os.kill(pid, signal.SIGTERM)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    cpu_pct = None
    if cpu0:
        cpu_pct = 100.0 * (cpu1[0] - cpu0[0]) / TICK / max(cpu1[1] - cpu0[1], 1e-9)
    print(json.dumps({
        "cmd": " ".join(cmd),
        "size": f"{a.cols}x{a.rows}",
        "bytes_per_s": round(measured / a.duration, 1),
        "cpu_pct": None if cpu_pct is None else round(cpu_pct, 3),
        "rss_kb_peak": peak,
        "first_byte_ms": None if first_byte is None else round(first_byte * 1000, 1),
        "first_frame_ms": None if first_frame is None else round(first_frame * 1000, 1),
    }))


if __name__ == "__main__":
    sys.exit(main())
