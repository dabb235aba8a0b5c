"""preflight never shows a traceback, never hangs past --timeout, and names what went wrong (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, run_preflight

PACKS = FIXTURES / "packs"


def _program(tmp: Path, body: str, stack: str = "config:\n  aws:region: us-west-2\n") -> Path:
    (tmp / "Pulumi.yaml").write_text("name: robust\nruntime: python\n")
    (tmp / "Pulumi.dev.yaml").write_text(stack)
    (tmp / "__main__.py").write_text(body)
    return tmp


def _fails_cleanly(proc, fragment: str) -> None:  # type: ignore[no-untyped-def]
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr, proc.stderr


# A program that hangs is stopped by --timeout, whatever the machine's load: the timer runs from the start of the
# program, which waits forever. Every other program gets the default --timeout (600 s): importing pulumi_aws on a
# loaded machine can take seconds, and must not turn an os._exit into a timeout.
HANGS = ("--timeout", "1")


@pytest.mark.parametrize(("body", "fragment", "timeout"), [
    ("import os\nimport pulumi_aws as aws\naws.s3.Bucket('b')\nos._exit(0)\n",
     "the program called os._exit(0) and ended before its resources were registered", ()),
    ("class Stop(BaseException):\n    pass\nraise Stop('halt')\n", "the program raised Stop: halt", ()),
    ("import pulumi_aws as aws\naws.s3.Bucket('same')\naws.s3.Bucket('same')\n",
     "the program registered two resources with URN urn:pulumi:dev::robust::aws:s3/bucket:Bucket::same", ()),
    ("import time\ntime.sleep(3600)\n", "the program did not finish within --timeout 1 s", HANGS),
    ("import asyncio, pulumi\npulumi.export('never', pulumi.Output.from_input(asyncio.Future()))\n",
     "the program did not finish within --timeout 1 s", HANGS),
])
def test_programs_that_end_badly_exit_2_with_one_clear_message(tmp_path: Path, body: str, fragment: str,
                                                               timeout: tuple[str, ...]) -> None:
    proc = run_preflight("--program", str(_program(tmp_path, body)), "--no-policy-pack", *timeout,
                         "--phase", "up", timeout=900)
    _fails_cleanly(proc, fragment)


@pytest.mark.parametrize("version", ["latest", "1.0", "9.99"])
def test_an_unsupported_kubernetes_version_is_refused_with_the_supported_list(tmp_path: Path, version: str) -> None:
    proc = run_preflight("--program", str(_program(tmp_path, "")), "--no-policy-pack", "--kubernetes-version", version)
    _fails_cleanly(proc, f"--kubernetes-version: no Kubernetes OpenAPI schemas for '{version}'; supported: 1.25, ")


@pytest.mark.parametrize("target", ["Pulumi.dev.yaml", "Pulumi.yaml", "policy.json"])
def test_a_file_that_is_not_utf8_is_named(tmp_path: Path, target: str) -> None:
    program = _program(tmp_path, "")
    (tmp_path / "policy.json").write_text("{}")
    path = tmp_path / target
    path.write_bytes(path.read_bytes() + b"\n# caf\xe9\n" if target != "policy.json" else b'{"a\xe9": 1}')
    proc = run_preflight("--program", str(program), "--policy-pack-config", str(tmp_path / "policy.json"))
    _fails_cleanly(proc, "is not UTF-8 text")


def test_a_pack_that_raises_on_import_shows_its_own_error_not_ours(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (pack / "__main__.py").write_text("raise RuntimeError('the pack is broken')\n")
    proc = run_preflight("--program", str(_program(tmp_path, "")), "--policy-pack", str(pack))
    assert proc.returncode == 2 and proc.stdout == ""
    assert "failed to start" in proc.stderr and "RuntimeError: the pack is broken" in proc.stderr
    assert "preflight/" not in proc.stderr, "no frame of preflight's own in the message"


def test_a_pack_that_never_answers_is_named_after_the_timeout(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (pack / "__main__.py").write_text(
        "import time\nfrom pulumi_policy import PolicyPack, ResourceValidationPolicy\n"
        "def slow(args, report):\n    time.sleep(3600)\n"
        "PolicyPack(name='slow', policies=[ResourceValidationPolicy(name='slow', description='Sleeps.', "
        "validate=slow)])\n")
    # The empty program imports nothing slow: it registers only its stack, and the pack's every other call
    # answers in milliseconds (its start-up, which imports, has a timeout of its own), so 4 s is a wide margin on
    # a loaded machine; the stack's Analyze never answers. The test waits the timeout out: keep it short.
    proc = run_preflight("--program", str(_program(tmp_path, "")), "--policy-pack", str(pack), "--timeout", "4",
                         "--phase", "up", timeout=900)
    _fails_cleanly(proc, "did not answer Analyze for urn:pulumi:dev::robust::pulumi:pulumi:Stack::robust-dev")
    assert "within --timeout 4 s" in proc.stderr


def test_ctrl_c_while_preflight_loads_exits_130_with_one_line() -> None:
    """A Ctrl-C that lands while ``python -m preflight`` still imports its modules: exit 130 and one line, no
    traceback (made deterministic here by raising KeyboardInterrupt where preflight.cli would be imported)."""
    code = ("import importlib.abc, runpy, sys\n"
            "class Interrupt(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name == 'preflight.cli':\n"
            "            raise KeyboardInterrupt\n"
            "sys.meta_path.insert(0, Interrupt())\n"
            "runpy.run_module('preflight', run_name='__main__', alter_sys=True)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    proc = subprocess.run([sys.executable, "-c", code, "--program", str(FIXTURES / "programs" / "minimal")],
                          capture_output=True, text=True, cwd=REPO, env={**env, "PYTHONPATH": str(REPO)}, timeout=120)
    assert (proc.returncode, proc.stderr.strip()) == (130, "preflight: interrupted"), proc.stderr
