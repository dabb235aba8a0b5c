"""The test zygote (``tests/_zygote.py``) loads the SDK submodules a run loaded, so the next run finds them loaded,
and adds them to the session's list, which a zygote started later loads first.

Run in processes of their own: what they load would otherwise stay in this worker's ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

_PROBE = """
import json, os, sys, types
import pulumi_aws  # its submodules are lazy: registered in sys.modules, loaded on first use
from tests import _zygote

run_file, shared = sys.argv[1], sys.argv[2]
before = _zygote._sdk_modules()
with open(run_file, "w") as f:
    f.write("pulumi_aws.sqs\\npulumi_aws.no_such_module\\n")
learned = _zygote._load(_zygote._read_names(run_file, remove=True))
_zygote._add_names(shared, learned)
print(json.dumps({
    "acm_listed_before": "pulumi_aws.acm" in before, "acm_registered": "pulumi_aws.acm" in sys.modules,
    "sqs_before": "pulumi_aws.sqs" in before, "sqs_loaded": type(sys.modules.get("pulumi_aws.sqs")) is types.ModuleType,
    "sqs_after": "pulumi_aws.sqs" in _zygote._sdk_modules(), "json_listed": "json" in _zygote._sdk_modules(),
    "run_file_left": os.path.exists(run_file), "pulumi_listed": "pulumi" in before, "learned": learned,
}))
"""

_LATER = """
import sys, types
import pulumi_aws
from tests import _zygote

_zygote._load(_zygote._read_names(sys.argv[1]))
print(type(sys.modules.get("pulumi_aws.sqs")) is types.ModuleType)
"""


def _python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_zygote_loads_what_a_run_loaded_and_only_the_sdks(tmp_path: Path) -> None:
    shared = tmp_path / "sdk-modules.txt"
    seen = json.loads(_python(_PROBE, str(tmp_path / "loaded"), str(shared)))
    assert seen == {
        "acm_listed_before": False,  # registered lazily, never used: not loaded by the run, so not listed
        "acm_registered": True,
        "sqs_before": False,
        "sqs_loaded": True,  # named by the run: loaded here
        "sqs_after": True,
        "json_listed": False,  # not an SDK's module
        "run_file_left": False,  # read once
        "pulumi_listed": True,
        "learned": ["pulumi_aws.sqs"],  # what it loaded: not the missing module
    }, seen
    assert shared.read_text() == "pulumi_aws.sqs\n"
    # A zygote started later in the session loads the list first.
    assert _python(_LATER, str(shared)).strip() == "True"
    assert _python(_LATER, str(tmp_path / "no-list-yet")).strip() == "False"
