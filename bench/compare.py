#!/usr/bin/env python3
"""Build and run the gocxx, Go and Boost.Fiber benchmarks and compare them.

Every benchmark program prints one line per figure on stdout:

    RESULT name=<figure> value=<number> unit=<unit>

This script builds the programs (the C++ ones through the CMake build
directory, the Go ones with `go build`), runs them --runs times interleaved
(run 1: B1 gocxx, B1 Go, B1 Boost.Fiber, B2 gocxx, ...; run 2: ...), and prints
a markdown table of the per-system medians. For every figure but B10_speedup
lower is better; the ratio columns are simply gocxx / other (below 1: gocxx is
faster/smaller; for B10_speedup above 1 is better).

A program that fails, times out or does not exist counts as missing for that
run; a figure with no value at all shows "n/a".

Usage (from the repository root, after configuring build/default):
    python3 bench/compare.py [--build-dir build/default] [--runs 5]
                             [--only B1,B3] [--timeout 120] [--json out.json]
                             [--no-build] [--baseline-build-dir build/other]

--baseline-build-dir adds a second gocxx build (another commit, other compile
options) as one more system, interleaved with the rest, and a column
gocxx / baseline: an A/B measurement of a change in the same run as Go.
"""

import argparse
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)

SYSTEMS = ("gocxx", "baseline", "go", "fiber")
SYSTEM_TITLES = {"gocxx": "gocxx", "baseline": "gocxx baseline", "go": "Go",
                 "fiber": "Boost.Fiber"}

# Benchmark id -> program base name (without the system prefix) and the figures
# it is expected to print, in table order, with their units.
BENCHMARKS = {
    "B1": ("b1_pingpong", [("B1_pingpong_P1", "ns"), ("B1_pingpong_P2", "ns")]),
    "B2": ("b2_spawn", [("B2_spawn_P2", "ns")]),
    "B3": ("b3_skynet", [("B3_skynet_P1", "ms"), ("B3_skynet_P2", "ms")]),
    "B4": ("b4_buffered", [("B4_buffered_1p1c_P2", "ns"), ("B4_buffered_4p4c_P2", "ns")]),
    "B5": ("b5_select", [("B5_select_ready_P1", "ns"), ("B5_select_default_P1", "ns")]),
    # B6_atomic_xchg_pair is a gocxx-only baseline for B6_mutex_uncontended.
    "B6": ("b6_mutex", [("B6_mutex_uncontended", "ns"), ("B6_atomic_xchg_pair", "ns"),
                        ("B6_mutex_contended_P2", "ns")]),
    "B7": ("b7_memory", [("B7_mem_100k", "KiB"), ("B7_wake_100k", "ms"),
                         ("B7_mem_1m", "KiB"), ("B7_wake_1m", "ms")]),
    "B8": ("b8_timers", [("B8_timers_wall", "ms"), ("B8_timers_cpu", "s")]),
    "B9": ("b9_context", [("B9_context_cancel", "us")]),
    "B10": ("b10_fanout", [("B10_fanout_1", "ms"), ("B10_fanout_ncpu", "ms"),
                           ("B10_speedup", "x")]),
    "B11": ("b11_pool", [("B11_pool_total", "ms"), ("B11_pool_created", "buffers")]),
    "B12": ("b12_echo", [("B12_echo_P2", "ns"), ("B12_echo_p99_P2", "us")]),
    "B13": ("b13_blocking", [("B13_blocking_call_P1", "ns")]),
    # Not in the B set: rate::Limiter against golang.org/x/time/rate itself.
    "RATE": ("rate_limiter", [("RATE_allow_P1", "ns"), ("RATE_allow_P2", "ns"),
                              ("RATE_wait_nodelay_P1", "ns")]),
}

# Boost.Fiber has no select, no context, no object pool, no network poller and no
# blocking-call hand-off, so there are no Boost.Fiber B5, B9, B11, B12 and B13
# programs.
NOT_IMPLEMENTED = {("fiber", "RATE"), ("fiber", "B5"), ("fiber", "B9"), ("fiber", "B10"), ("fiber", "B11"), ("fiber", "B12"),
                   ("fiber", "B13")}

RESULT_RE = re.compile(r"^RESULT name=(\S+) value=(\S+) unit=(\S+)\s*$")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def program_name(system, bench_id):
    if system == "baseline":
        system = "gocxx"
    return f"{system}_{BENCHMARKS[bench_id][0]}"


def program_path(build_dir, system, bench_id):
    if system == "go":
        return os.path.join(build_dir, "bench", "go", program_name(system, bench_id))
    return os.path.join(build_dir, "bench", program_name(system, bench_id))


# --------------------------------------------------------------------------
# Building


def cmake_targets_in_build(build_dir):
    """Names of the targets the build knows, or None if they cannot be listed."""
    try:
        out = subprocess.run(["cmake", "--build", build_dir, "--target", "help"],
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    # Ninja prints "name: phony", Makefiles print "... name".
    return set(re.findall(r"^(?:\.\.\. )?([A-Za-z0-9_.+-]+)(?::|\s*$)", out.stdout, re.M))


def cmake_build(build_dir, targets):
    """Builds the targets; returns the set of targets that built."""
    if not targets:
        return set()
    cmd = ["cmake", "--build", build_dir, "--target", *targets]
    log("+ " + shlex.join(cmd))
    if subprocess.run(cmd, stdout=sys.stderr).returncode == 0:
        return set(targets)
    # Something failed: build the targets one at a time to keep the good ones.
    built = set()
    for t in targets:
        if subprocess.run(["cmake", "--build", build_dir, "--target", t],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            built.add(t)
        else:
            log(f"warning: target {t} failed to build; its figures will be n/a")
    return built


def build_cpp(build_dir, bench_ids, systems=("gocxx", "fiber")):
    if not os.path.isfile(os.path.join(build_dir, "CMakeCache.txt")):
        log(f"warning: {build_dir} is not a configured CMake build directory; "
            "using whatever gocxx/Boost.Fiber binaries are already there")
        return
    if shutil.which("cmake") is None:
        log("warning: cmake not on PATH; not building the C++ benchmarks")
        return
    wanted = [program_name(s, b) for b in bench_ids for s in systems
              if (s, b) not in NOT_IMPLEMENTED]
    known = cmake_targets_in_build(build_dir)
    if known is not None:
        for t in wanted:
            if t not in known:
                log(f"note: no CMake target {t} in {build_dir} (n/a)")
        wanted = [t for t in wanted if t in known]
    cmake_build(build_dir, wanted)


def build_go(build_dir, bench_ids):
    """Builds the Go programs; returns False if Go is unavailable."""
    go = shutil.which("go")
    if go is None:
        log("warning: `go` not on PATH; Go figures will be n/a")
        return False
    out_dir = os.path.join(build_dir, "bench", "go")
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("GOPROXY", "off")  # no external modules: never touch the network
    go_src = os.path.join(BENCH_DIR, "go")
    for b in bench_ids:
        pkg = "./" + BENCHMARKS[b][0]
        cwd = go_src
        # A program with its own go.mod (RATE: x/time from Debian's source tree)
        # is its own module.
        if os.path.isfile(os.path.join(go_src, BENCHMARKS[b][0], "go.mod")):
            cwd = os.path.join(go_src, BENCHMARKS[b][0])
            pkg = "."
        cmd = [go, "build", "-o", program_path(build_dir, "go", b), pkg]
        log(f"+ (cd {os.path.relpath(cwd, REPO_ROOT)} && " + shlex.join(cmd) + ")")
        if subprocess.run(cmd, cwd=cwd, env=env, stdout=sys.stderr).returncode != 0:
            log(f"warning: go build {pkg} failed; its figures will be n/a")
    return True


# --------------------------------------------------------------------------
# Running


def parse_results(stdout):
    """RESULT lines -> {figure: (value, unit)}; NaN values are dropped."""
    figures = {}
    for line in stdout.splitlines():
        m = RESULT_RE.match(line.strip())
        if not m:
            continue
        name, value, unit = m.groups()
        try:
            v = float(value)
        except ValueError:
            continue
        if math.isnan(v) or math.isinf(v):
            continue
        figures[name] = (v, unit)
    return figures


def run_program(path, timeout):
    """Runs one program; returns ({figure: (value, unit)}, error or None)."""
    start = time.monotonic()
    try:
        # Own session, so that a timeout kills the program and anything it started.
        proc = subprocess.Popen([path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
    except OSError as e:
        return {}, str(e)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        return {}, f"timed out after {timeout:g} s"
    took = time.monotonic() - start
    if proc.returncode != 0:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        return {}, f"exit status {proc.returncode} after {took:.1f} s: {tail}"
    figures = parse_results(stdout)
    if not figures:
        return {}, "printed no RESULT line"
    return figures, None


# --------------------------------------------------------------------------
# Report


def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) // 1024
                    break
    except OSError:
        pass
    return {"nproc": nproc, "cpu": model, "kernel": platform.release(),
            "os": platform.platform(), "mem_total_mib": mem}


def fmt_value(v):
    if v is None:
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 10:
        return f"{v:.2f}"
    return f"{v:.3f}"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default="build/default",
                    help="CMake build directory holding bench/gocxx_* and bench/fiber_* "
                         "(default: build/default; relative to the current directory, "
                         "else to the repository root)")
    ap.add_argument("--runs", type=int, default=5, help="runs per program (default 5)")
    ap.add_argument("--only", default="",
                    help="comma-separated benchmark ids, e.g. B1,B3 (default: all of "
                         + ",".join(BENCHMARKS) + ")")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per program run (default 120)")
    ap.add_argument("--json", metavar="FILE", help="also write all raw values to FILE")
    ap.add_argument("--no-build", action="store_true", help="run the binaries already built")
    ap.add_argument("--baseline-build-dir", metavar="DIR",
                    help="a second configured build directory whose gocxx programs run as "
                         "a baseline system (A/B of a change)")
    args = ap.parse_args()

    if args.runs < 1:
        ap.error("--runs must be at least 1")
    bench_ids = list(BENCHMARKS)
    if args.only:
        bench_ids = [b.strip().upper() for b in args.only.split(",") if b.strip()]
        unknown = [b for b in bench_ids if b not in BENCHMARKS]
        if unknown:
            ap.error(f"unknown benchmark id(s) {','.join(unknown)}; known: {','.join(BENCHMARKS)}")

    build_dir = args.build_dir
    if not os.path.isabs(build_dir) and not os.path.isdir(build_dir):
        build_dir = os.path.join(REPO_ROOT, build_dir)
    build_dir = os.path.abspath(build_dir)
    baseline_dir = None
    if args.baseline_build_dir:
        baseline_dir = args.baseline_build_dir
        if not os.path.isabs(baseline_dir) and not os.path.isdir(baseline_dir):
            baseline_dir = os.path.join(REPO_ROOT, baseline_dir)
        baseline_dir = os.path.abspath(baseline_dir)

    go_ok = shutil.which("go") is not None
    if not args.no_build:
        build_cpp(build_dir, bench_ids)
        if baseline_dir is not None:
            build_cpp(baseline_dir, bench_ids, systems=("gocxx",))
        go_ok = build_go(build_dir, bench_ids)

    # programs[(system, bench)] = path, for those that exist.
    programs = {}
    for b in bench_ids:
        for s in SYSTEMS:
            if (s, b) in NOT_IMPLEMENTED or (s == "go" and not go_ok):
                continue
            if s == "baseline" and baseline_dir is None:
                continue
            p = program_path(baseline_dir if s == "baseline" else build_dir, s, b)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                programs[(s, b)] = p
            else:
                log(f"note: {p} not found; {SYSTEM_TITLES[s]} {b} is n/a")

    # values[figure][system] = [one value per successful run]
    values = {}
    units = {}
    failures = []
    for run in range(1, args.runs + 1):
        for b in bench_ids:
            for s in SYSTEMS:
                path = programs.get((s, b))
                if path is None:
                    continue
                log(f"[run {run}/{args.runs}] {SYSTEM_TITLES[s]} {b}: {os.path.basename(path)}")
                figures, err = run_program(path, args.timeout)
                if err is not None:
                    log(f"  FAILED: {err}")
                    failures.append({"run": run, "bench": b, "system": s, "error": err})
                    continue
                for name, (v, unit) in figures.items():
                    values.setdefault(name, {}).setdefault(s, []).append(v)
                    units.setdefault(name, unit)
                    log(f"  {name} = {v:g} {unit}")

    # Table rows: the expected figures first (so a missing one still shows),
    # then anything else the programs printed.
    rows = []
    for b in bench_ids:
        for name, unit in BENCHMARKS[b][1]:
            rows.append(name)
            units.setdefault(name, unit)
    rows += sorted(n for n in values if n not in rows)

    medians = {}
    for name in rows:
        medians[name] = {s: (statistics.median(values[name][s])
                             if values.get(name, {}).get(s) else None) for s in SYSTEMS}

    info = machine_info()
    out = []
    out.append("# gocxx vs Go vs Boost.Fiber")
    out.append("")
    out.append(f"- command: `{shlex.join([sys.executable] + sys.argv)}`")
    mem = f", {info['mem_total_mib']} MiB RAM" if info["mem_total_mib"] else ""
    out.append(f"- machine: {info['nproc']} CPUs ({info['cpu']}){mem}; kernel {info['kernel']}")
    out.append(f"- build dir: `{build_dir}`; runs: {args.runs} (interleaved); "
               f"timeout {args.timeout:g} s per program")
    out.append("- medians over the runs; lower is better for every figure but "
               "B10_speedup (higher is better); ratio = gocxx / other")
    if baseline_dir is not None:
        out.append(f"- baseline: gocxx programs of `{baseline_dir}`")
    out.append("")
    base_head = " gocxx baseline median |" if baseline_dir is not None else ""
    base_ratio_head = " gocxx/baseline |" if baseline_dir is not None else ""
    out.append(f"| figure | unit | gocxx median |{base_head} Go median | Boost.Fiber median "
               f"| gocxx/Go | gocxx/Boost.Fiber |{base_ratio_head}")
    out.append("|---|---|---:|" + ("---:|" if baseline_dir else "") + "---:|---:|---:|---:|"
               + ("---:|" if baseline_dir else ""))
    for name in rows:
        m = medians[name]
        base = f" {fmt_value(m['baseline'])} |" if baseline_dir is not None else ""
        base_ratio = (f" {fmt_ratio(m['gocxx'], m['baseline'])} |"
                      if baseline_dir is not None else "")
        out.append(f"| {name} | {units[name]} | {fmt_value(m['gocxx'])} |{base} {fmt_value(m['go'])} "
                   f"| {fmt_value(m['fiber'])} | {fmt_ratio(m['gocxx'], m['go'])} "
                   f"| {fmt_ratio(m['gocxx'], m['fiber'])} |{base_ratio}")

    # Say where a median rests on fewer runs than asked for.
    notes = []
    for name in rows:
        for s in SYSTEMS:
            n = len(values.get(name, {}).get(s, []))
            if 0 < n < args.runs:
                notes.append(f"{name} {SYSTEM_TITLES[s]}: median of {n} of {args.runs} runs")
    for f in failures:
        notes.append(f"run {f['run']} {SYSTEM_TITLES[f['system']]} {f['bench']} failed: {f['error']}")
    if "B5" in bench_ids:
        notes.append("Boost.Fiber has no select: B5 is n/a for Boost.Fiber")
    if "B6" in bench_ids:
        mutex = medians["B6_mutex_uncontended"]["gocxx"]
        xchg = medians["B6_atomic_xchg_pair"]["gocxx"]
        notes.append("B6_atomic_xchg_pair is a gocxx-only baseline (two bare atomic exchanges "
                     "per iteration); gocxx B6_mutex_uncontended / B6_atomic_xchg_pair = "
                     f"{fmt_ratio(mutex, xchg)} (target <= 1.2)")
    if "B9" in bench_ids:
        notes.append("Boost.Fiber has no context: B9 is n/a for Boost.Fiber")
    if "B10" in bench_ids:
        notes.append("Boost.Fiber has no select: B10 (built on select) is n/a for Boost.Fiber")
    if "B11" in bench_ids:
        notes.append("Boost.Fiber has no object pool: B11 is n/a for Boost.Fiber")
    if not go_ok:
        notes.append("`go` not on PATH: Go figures are n/a")
    if notes:
        out.append("")
        out.append("Notes:")
        out += [f"- {n}" for n in notes]
    print("\n".join(out))

    if args.json:
        doc = {
            "command": [sys.executable] + sys.argv,
            "machine": info,
            "build_dir": build_dir,
            "baseline_build_dir": baseline_dir,
            "runs": args.runs,
            "benchmarks": bench_ids,
            "figures": {name: {"unit": units[name],
                               "values": {s: values.get(name, {}).get(s, []) for s in SYSTEMS},
                               "median": medians[name]} for name in rows},
            "failures": failures,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
