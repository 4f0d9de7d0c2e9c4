#!/usr/bin/env python3
"""B12 across systems: each client (gocxx, Go) against each server (gocxx, Go).

The in-process B12 measures a gocxx server with gocxx clients and a Go server with
Go clients. This runs the servers alone (`b12_echo serve`) and loads each with
both clients (`b12_echo client <addr>`), the same protocol both ways, so the
server's share can be read off: with the same client, a lower figure means a
faster server. Runs are interleaved; medians are printed.

Usage (after `python3 bench/compare.py --only B12`, which builds both programs):
    python3 bench/cross_echo.py [--build-dir build/default] [--runs 5]
"""

import argparse
import os
import re
import statistics
import subprocess

RESULT_RE = re.compile(r"^RESULT name=(\S+) value=(\S+) unit=(\S+)\s*$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build/default")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    programs = {
        "gocxx": os.path.join(args.build_dir, "bench", "gocxx_b12_echo"),
        "Go": os.path.join(args.build_dir, "bench", "go", "go_b12_echo"),
    }
    results = {}
    for _ in range(args.runs):
        for server_name, server in programs.items():
            srv = subprocess.Popen([server, "serve"], stdout=subprocess.PIPE, text=True)
            try:
                line = srv.stdout.readline()
                addr = line.split()[1]
                for client_name, client in programs.items():
                    out = subprocess.run([client, "client", addr], capture_output=True,
                                         text=True, timeout=120).stdout
                    for l in out.splitlines():
                        m = RESULT_RE.match(l)
                        if m:
                            key = (server_name, client_name, m.group(1), m.group(3))
                            results.setdefault(key, []).append(float(m.group(2)))
            finally:
                srv.kill()
                srv.wait()
    print(f"| server | client | figure | unit | median of {args.runs} |")
    print("|---|---|---|---|---:|")
    for (server, client, fig, unit), vals in sorted(results.items()):
        print(f"| {server} | {client} | {fig} | {unit} | {statistics.median(vals):.1f} |")


if __name__ == "__main__":
    main()
