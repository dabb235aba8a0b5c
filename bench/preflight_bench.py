"""Benchmark: preflight against the SDK floor, for generated programs of N resources.

For each N it writes a Pulumi program of N resources (components, each with a security group, an IAM
role, an S3 bucket and a Kubernetes ConfigMap), then times, in fresh processes:

* the SDK floor: the same program run the way the language host runs it, against the SDK's own
  ``MockMonitor`` with no-op mocks and no policy pack (``bench/_floor.py``);
* the same floor with the cyclic garbage collector paused, as preflight runs programs, so that
  preflight's own overhead (recording, mock cloud, policy pack, report) reads apart from that setting;
* preflight: ``python -m preflight --phase both`` on that program with this repo's policy pack, text
  report: the program runs twice (a first preview with unknowns, then up), each with its own pack process.

It prints wall time (best of ``--repeat`` runs), the ratios preflight/floor and preflight/paused floor, the 10,000/2,000 scaling
and the peak memory of preflight's whole process tree (program process + policy pack process), sampled
from /proc. Targets (issue 2): ratio <= 1.3 at 2,000; 10,000 in <= 5x the 2,000 time; < 1.5 GB.

    .venv/bin/python bench/preflight_bench.py [--sizes 2000 10000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PER_UNIT = 5  # the component + its four children

PROGRAM = textwrap.dedent('''
    """Generated benchmark program: {units} units of {per_unit} resources."""
    import json

    import pulumi
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s

    TRUST = json.dumps({{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole",
                        "Principal": {{"Service": "ec2.amazonaws.com"}}}}]}})


    class Unit(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("bench:index:Unit", name, {{"size": 4}}, None)
            child = pulumi.ResourceOptions(parent=self)
            sg = aws.ec2.SecurityGroup(f"{{name}}-sg", description="bench", vpc_id="vpc-0123456789abcdef0",
                                       ingress=[{{"protocol": "tcp", "from_port": 443, "to_port": 443,
                                                 "cidr_blocks": ["10.0.0.0/8"], "description": "https"}}],
                                       tags={{"unit": name}}, opts=child)
            aws.iam.Role(f"{{name}}-role", assume_role_policy=TRUST, tags={{"unit": name}}, opts=child)
            aws.s3.Bucket(f"{{name}}-bucket", tags={{"unit": name}}, opts=child)
            k8s.core.v1.ConfigMap(f"{{name}}-cm", metadata={{"namespace": "bench"}}, data={{"sg": sg.id}}, opts=child)
            self.register_outputs({{"sg": sg.id}})


    for i in range({units}):
        Unit(f"u{{i}}")
''')


def write_program(directory: Path, resources: int) -> None:
    units = resources // PER_UNIT
    (directory / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (directory / "Pulumi.bench.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (directory / "__main__.py").write_text(PROGRAM.format(units=units, per_unit=PER_UNIT))


def _tree_rss_kib(root: int) -> int:
    """Sum of VmRSS over ``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        pid, ppid = int(entry), int(fields.get("PPid", "0").strip())
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak tree RSS (KiB) of one run; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-2000:]}")
    return elapsed, peak


def best(cmd: list[str], cwd: Path, repeat: int) -> tuple[float, int]:
    runs = [measure(cmd, cwd) for _ in range(repeat)]
    return min(t for t, _ in runs), max(m for _, m in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the best time is kept")
    parser.add_argument("--phase", choices=("preview", "up", "both"), default="both",
                        help="preflight's --phase (default: both, as make preview runs it)")
    args = parser.parse_args()
    py = sys.executable
    results: dict[int, tuple[float, float, int]] = {}
    print(f"{'resources':>9}  {'floor s':>8}  {'paused s':>8}  {'preflight s':>11}  {'ratio':>5}  "
          f"{'vs paused':>9}  {'peak MiB':>8}")
    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as tmp:
        for n in args.sizes:
            program = Path(tmp) / f"p{n}"
            program.mkdir()
            write_program(program, n)
            floor_cmd = [py, str(REPO / "bench" / "_floor.py"), str(program), "bench"]
            floor, _ = best(floor_cmd, REPO, args.repeat)
            paused, _ = best([*floor_cmd, "--collector-paused"], REPO, args.repeat)
            pre, peak = best([py, "-m", "preflight", "--program", str(program), "--stack", "bench",
                              "--policy-pack", str(REPO / "policies"), "--phase", args.phase], REPO, args.repeat)
            results[n] = (floor, pre, peak)
            print(f"{n:>9}  {floor:>8.2f}  {paused:>8.2f}  {pre:>11.2f}  {pre / floor:>5.2f}  "
                  f"{pre / paused:>9.2f}  {peak / 1024:>8.0f}")
    if 2000 in results and 10000 in results:
        scale = results[10000][1] / results[2000][1]
        print(f"scaling: preflight 10,000 / 2,000 = {scale:.2f}x (target <= 5x)")
    worst = max(m for _, _, m in results.values()) / 1024
    print(f"peak memory (program + policy pack processes): {worst:.0f} MiB (target < 1536 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
