"""Benchmark: preflight against the SDK floor, for generated programs of N resources.

For each N it writes a Pulumi program of N resources (components, each with a security group, an IAM
role, an S3 bucket and a Kubernetes ConfigMap), then times, in fresh processes:

* the SDK floor: the same program run the way the language host runs it, against the SDK's own
  ``MockMonitor`` with no-op mocks and no policy pack (``bench/_floor.py``);
* the same floor with the cyclic garbage collector paused, as preflight runs programs, so that
  preflight's own overhead (recording, mock cloud, policy pack, report) reads apart from that setting;
* preflight: ``python -m preflight --phase both`` on that program with this repo's policy pack, text
  report: the program runs twice (a first preview with unknowns, then up) at once, in two processes, each
  phase with its own pack process.

The three commands run interleaved, ``--runs`` times each; it prints the medians of the wall times, the ratios
preflight/floor and preflight/paused floor, the 10,000/2,000 scaling and the peak memory of preflight's
whole process tree (programs + policy packs), sampled from /proc. Then, from one more run per size under
``PREFLIGHT_PROFILE`` (``preflight/_profile.py``), the pack's CPU per resource and that of each rule family's
``validate`` calls (catalogue letters from ``policies/_metadata.py``), so a slow rule shows; and the wall time
of a warm ``make preview STACK=prod``. Targets (issue 21): ratio <= 1.3 at 2,000; 10,000 in <= 5x the 2,000
time; < 1.5 GB. No test asserts any of these times.

    .venv/bin/python bench/preflight_bench.py [--sizes 2000 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak tree RSS (KiB) of one run; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
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


def median(values: list[float]) -> float:
    return statistics.median(values)


#: Catalogue sections (POLICY_CATALOGUE.md; M: node provisioning, issue 16; X: rules the catalogue does not list).
FAMILIES = {"A": "control plane", "B": "cluster access", "C": "worker nodes", "D": "Fargate", "E": "network",
            "F": "storage", "G": "ECR and images", "H": "IAM", "I": "Kubernetes RBAC", "J": "pods and workloads",
            "K": "runtime detection", "L": "policy visibility", "M": "node provisioning", "X": "outside the catalogue"}


def rule_families() -> dict[str, str]:
    """Policy name -> catalogue family letter, from the pack's metadata (policies/_metadata.py)."""
    sys.path.insert(0, str(REPO / "policies"))
    try:
        from _metadata import registry  # type: ignore[import-not-found]

        return {name: rule.metadata.id[0] for name, rule in registry().items()}
    finally:
        sys.path.remove(str(REPO / "policies"))


def profile(cmd: list[str], cwd: Path, resources: int) -> tuple[float, dict[str, float], float]:
    """One run with PREFLIGHT_PROFILE: (pack CPU µs per resource and phase, µs per resource and phase by family,
    the pack's validate share). Not timed: the profile's own bookkeeping slows the pack a little."""
    with tempfile.TemporaryDirectory(prefix="preflight-profile-") as out:
        measure(cmd, cwd, {"PREFLIGHT_PROFILE": out})
        packs = [json.loads(p.read_text()) for p in sorted(Path(out).glob("pack-*.json"))]
    if not packs:
        raise SystemExit("PREFLIGHT_PROFILE: the pack wrote no profile")
    analyzed = sum(p["analyze_calls"] for p in packs) or 1
    pack_cpu = sum(p["analyze_cpu"] + p["stack_cpu"] for p in packs)
    families = rule_families()
    by_family: dict[str, float] = {}
    for p in packs:
        for name, entry in p["policies"].items():
            letter = families.get(name, "?")
            by_family[letter] = by_family.get(letter, 0.0) + entry["cpu"]
    validate = sum(by_family.values())
    return (pack_cpu / analyzed * 1e6, {k: v / analyzed * 1e6 for k, v in by_family.items()},
            validate / pack_cpu if pack_cpu else 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--runs", type=int, default=0,
                        help="interleaved runs of each command per size (floor, paused floor, preflight), medians "
                             "kept (default: 3, and 2 from 10,000 resources, so make bench takes minutes)")
    parser.add_argument("--phase", choices=("preview", "up", "both"), default="both",
                        help="preflight's --phase (default: both, as make preview runs it)")
    parser.add_argument("--no-profile", action="store_true", help="skip the pack's per-rule-family profile")
    parser.add_argument("--no-preview", action="store_true", help="skip timing make preview STACK=prod")
    args = parser.parse_args()
    py = sys.executable
    results: dict[int, tuple[float, float, int]] = {}
    print(f"preflight --phase {args.phase} against the SDK floor: medians of {args.runs or '3 (2 from 10,000)'} "
          "interleaved runs each; "
          f"peak RSS of the whole process tree (max over runs); {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    print(f"{'resources':>9}  {'floor s':>8}  {'paused s':>8}  {'preflight s':>11}  {'ratio':>5}  "
          f"{'vs paused':>9}  {'peak MiB':>8}")
    profiles: dict[int, tuple[float, dict[str, float], float]] = {}
    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as tmp:
        for n in args.sizes:
            program = Path(tmp) / f"p{n}"
            program.mkdir()
            write_program(program, n)
            floor_cmd = [py, str(REPO / "bench" / "_floor.py"), str(program), "bench"]
            pre_cmd = [py, "-m", "preflight", "--program", str(program), "--stack", "bench",
                       "--policy-pack", str(REPO / "policies"), "--phase", args.phase]
            floors, pauseds, pres, peaks = [], [], [], []
            for _ in range(args.runs or (2 if n >= 10000 else 3)):  # interleaved: a load change on the shared machine hits all three alike
                floors.append(measure(floor_cmd, REPO)[0])
                pauseds.append(measure([*floor_cmd, "--collector-paused"], REPO)[0])
                took, peak = measure(pre_cmd, REPO)
                pres.append(took)
                peaks.append(peak)
            floor, paused, pre, peak = median(floors), median(pauseds), median(pres), max(peaks)
            results[n] = (floor, pre, peak)
            print(f"{n:>9}  {floor:>8.2f}  {paused:>8.2f}  {pre:>11.2f}  {pre / floor:>5.2f}  "
                  f"{pre / paused:>9.2f}  {peak / 1024:>8.0f}", flush=True)
            if not args.no_profile:
                profiles[n] = profile(pre_cmd, REPO, n)
    if 2000 in results:
        print(f"goal: --phase {args.phase} at 2,000 resources = {results[2000][1] / results[2000][0]:.2f}x the "
              "floor (target <= 1.3x)")
    if 2000 in results and 10000 in results:
        scale = results[10000][1] / results[2000][1]
        print(f"goal: preflight 10,000 / 2,000 = {scale:.2f}x (target <= 5x)")
    worst = max(m for _, _, m in results.values()) / 1024
    print(f"goal: peak memory of the process tree (programs + policy packs): {worst:.0f} MiB (target < 1536 MiB)")
    for n, (per_resource, by_family, share) in profiles.items():
        print(f"pack at {n}: {per_resource:.0f} µs CPU per resource and phase (Analyze + AnalyzeStack, "
              f"PREFLIGHT_PROFILE run); policies' validate: {share:.0%} of it; by rule family, µs per resource "
              "and phase:")
        for letter, cost in sorted(by_family.items(), key=lambda kv: -kv[1]):
            print(f"    {letter}  {FAMILIES.get(letter, 'unknown policy'):<22} {cost:>8.1f}")
    if not args.no_preview:
        cmd = [py, "-m", "preflight", "--program", ".", "--stack", "prod", "--policy-pack", "policies",
               "--policy-pack-config", "policies/config/prod.json"]
        measure(cmd, REPO)  # warm-up: file caches, .pyc files
        times = [measure(cmd, REPO)[0] for _ in range(args.runs or 3)]
        print(f"make preview STACK=prod (warm; the preflight command it runs): {median(times):.2f} s median of "
              f"{len(times)} (runs: {', '.join(f'{t:.2f}' for t in times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
