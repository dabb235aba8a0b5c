"""``python -m preflight``: an offline ``pulumi preview --policy-pack`` for Pulumi Python programs.

Exit codes: 0 no mandatory violation and no invalid manifest; 1 a mandatory violation or an invalid
Kubernetes manifest; 2 the program, its project files, its config or the policy pack could not run
(one message on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analyzer import Analysis, PackInfo, load_policy_config, start_pack
from .errors import PreflightError
from .k8s import ManifestError, is_kubernetes_object, supported_versions, validate_object
from .mockcloud import DEFAULT_ACCOUNT, DEFAULT_REGION, CloudIdentity, MockCloud
from .monitor import RecordedResource, RecordingMonitor
from .project import Project, load_project
from .report import NotVisible, Report, plain
from .runner import run_program

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Options:
    program: Path = REPO_ROOT
    stack: str = "dev"
    policy_pack: Path | None = REPO_ROOT / "policies"
    policy_pack_config: Path | None = None
    kubernetes_version: str | None = None
    account: str = DEFAULT_ACCOUNT


class _PackStarter:
    """Boots the policy pack on a background thread so it starts while the program runs.

    Resources that register before the pack is ready are buffered and analyzed once it is.
    """

    def __init__(self, opts: Options, project: Project, policy_config: dict[str, dict[str, Any]]) -> None:
        self.analysis: Analysis | None = None
        self.error: BaseException | None = None
        self._pending: list[RecordedResource] = []
        self._lock = threading.Lock()
        self._pack = None
        self._thread = threading.Thread(target=self._start, args=(opts, project, policy_config), name="preflight-pack",
                                        daemon=True)
        self._thread.start()

    def _start(self, opts: Options, project: Project, policy_config: dict[str, dict[str, Any]]) -> None:
        try:
            assert opts.policy_pack is not None
            pack, info = start_pack(opts.policy_pack, project.name, project.stack, project.config,
                                    project.secret_keys, policy_config)
            self._pack = pack
            analysis = Analysis(pack, info)
            with self._lock:
                for record in self._pending:
                    analysis.submit(record)
                self._pending.clear()
                self.analysis = analysis
        except BaseException as exc:  # noqa: BLE001 - raised on the main thread in wait()
            self.error = exc

    def submit(self, record: RecordedResource) -> None:
        with self._lock:
            if self.analysis is None:
                self._pending.append(record)
                return
        self.analysis.submit(record)

    def wait(self) -> Analysis:
        self._thread.join()
        if self.error is not None:
            raise self.error
        assert self.analysis is not None
        return self.analysis

    def close(self) -> None:
        self._thread.join()
        if self._pack is not None:
            self._pack.close()


class _Timer:
    """Phase timings on stderr when PREFLIGHT_TIMINGS is set (used to find where time goes)."""

    def __init__(self) -> None:
        self.enabled = bool(os.environ.get("PREFLIGHT_TIMINGS"))
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        if self.enabled:
            print(f"preflight: timing: {phase}: {now - self.last:.3f}s", file=sys.stderr)
        self.last = now


def _kubernetes_version(opts: Options, project: Project) -> str:
    if opts.kubernetes_version:
        return opts.kubernetes_version
    for key in sorted(project.config):
        if key.endswith(":kubernetesVersion"):
            value = str(project.config_value(key))
            if value:
                return value
    return supported_versions()[-1]


def _check_manifests(resources: list[RecordedResource], version: str) -> tuple[int, list[ManifestError], list[NotVisible]]:
    checked, errors, unseen = 0, [], []
    for r in resources:
        if r.type.startswith("kubernetes:") and r.custom and r.type.endswith("Patch"):
            unseen.append(NotVisible(r.urn, r.type, "server-side patch: validated against the live object only"))
            continue
        if not is_kubernetes_object(r.type, r.custom):
            continue
        manifest = plain(r.outputs if r.outputs is not None else r.inputs)
        result = validate_object(r.urn, r.type, manifest, version)
        if result is None:
            unseen.append(NotVisible(r.urn, r.type, f"no OpenAPI schema for this kind in Kubernetes {version} (CRD?)"))
            continue
        checked += 1
        errors.extend(result)
    return checked, errors, unseen


def preflight(opts: Options) -> Report:
    """Run the program and its policy pack; return the report (raises PreflightError for exit 2)."""
    project = load_project(opts.program, opts.stack)
    # Parsed here, before anything runs, so a broken file fails fast; the pack gets the parsed config.
    policy_config = load_policy_config(opts.policy_pack_config) if opts.policy_pack_config is not None else {}
    k8s_version = _kubernetes_version(opts, project)
    region = project.config.get("aws:region") or DEFAULT_REGION
    cloud = MockCloud(CloudIdentity(account=opts.account, region=region), stack=project.stack, project=project.name)

    timer = _Timer()
    starter = _PackStarter(opts, project, policy_config) if opts.policy_pack is not None else None
    # The SDK keeps the interpreter busy on the program's threads; with the default 5 ms GIL switch
    # interval the thread streaming Analyze calls falls behind and the pack finishes long after the
    # program (bench: 0.8 s tail at 2,000 resources). 0.5 ms lets it keep pace (0.2 s tail) without
    # slowing the program.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, 0.0005))
    try:
        monitor = RecordingMonitor(cloud, project.config, on_register=starter.submit if starter else None)
        run = run_program(project, monitor)
        timer.lap("program")
        pack_info: PackInfo | None = None
        violations = []
        # Manifest checks are pure CPU in this process; the pack works in its own. Run them while the
        # policy pack finishes, instead of after it.
        manifest_pool = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="preflight-manifests")
        manifests = manifest_pool.submit(_check_manifests, run.resources, k8s_version)
        manifest_pool.shutdown(wait=False)
        if starter is not None:
            analysis = starter.wait()
            stack_urn = run.stack.urn if run.stack else ""
            analysis.finish(run.resources, stack_urn, timer)
            pack_info = analysis.info
            violations = analysis.violations
        checked, manifest_errors, unseen = manifests.result()
        timer.lap("manifests (remaining)")
    finally:
        sys.setswitchinterval(switch_interval)
        if starter is not None:
            starter.close()
            timer.lap("pack closed")

    remote = [NotVisible(r.urn, r.type, "remote (multi-language) component: its children are created by its provider "
                                         "and are not visible offline; policies see it as one resource")
              for r in run.resources if r.remote]
    return Report(project=project.name, stack=project.stack, resources=run.resources, violations=violations,
                  manifest_errors=manifest_errors, manifests_checked=checked, kubernetes_version=k8s_version,
                  not_visible=remote + unseen, pack=pack_info,
                  pack_path=str(opts.policy_pack) if opts.policy_pack else "",
                  messages=[m for m in run.messages if m[0] != "debug"])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m preflight",
        description="Offline `pulumi preview --policy-pack` for Pulumi Python programs: runs the program against "
                    "a mock cloud, its policy pack over the analyzer gRPC protocol, and checks Kubernetes objects "
                    "against the OpenAPI schemas.")
    p.add_argument("--program", type=Path, default=REPO_ROOT, help="Pulumi project directory (default: this repo)")
    p.add_argument("--stack", default="dev", help="stack name; reads Pulumi.<stack>.yaml (default: dev)")
    p.add_argument("--policy-pack", type=Path, default=REPO_ROOT / "policies",
                   help="policy pack directory (default: policies/ of this repo)")
    p.add_argument("--no-policy-pack", action="store_true", help="run without a policy pack")
    p.add_argument("--policy-pack-config", type=Path, default=None,
                   help="policy config JSON in Pulumi's format (as `pulumi preview --policy-pack-config`)")
    p.add_argument("--kubernetes-version", default=None,
                   help="Kubernetes version for schema checks (default: the stack's kubernetesVersion config, "
                        "else the newest known)")
    p.add_argument("--account", default=DEFAULT_ACCOUNT, help="mock AWS account id (default: %(default)s)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    return p


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = _parser().parse_args(argv)
    opts = Options(program=args.program.resolve(), stack=args.stack,
                   policy_pack=None if args.no_policy_pack else args.policy_pack.resolve(),
                   policy_pack_config=args.policy_pack_config.resolve() if args.policy_pack_config else None, kubernetes_version=args.kubernetes_version,
                   account=args.account)
    real_stdout = sys.stdout
    try:
        # The program may print; keep stdout clean for the report (JSON must be alone on stdout).
        sys.stdout = sys.stderr
        report = preflight(opts)
    except PreflightError as exc:
        sys.stdout = real_stdout
        print(f"preflight: error: {exc}", file=sys.stderr)
        return 2
    finally:
        sys.stdout = real_stdout
    real_stdout.write(report.render(args.format))
    real_stdout.flush()
    if os.environ.get("PREFLIGHT_TIMINGS"):
        print(f"preflight: timing: total with the report: {time.perf_counter() - started:.3f}s", file=sys.stderr)
    return report.exit_code
