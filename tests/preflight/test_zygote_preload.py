"""The test zygote (``tests/_zygote.py``) loads the SDK submodules a run loaded, so the next run finds them loaded.

Run in a process of its own: what it loads would otherwise stay in this worker's ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

_PROBE = """
import json, sys, types
import pulumi_aws  # its submodules are lazy: registered in sys.modules, loaded on first use
from tests import _zygote

path = sys.argv[1]
before = _zygote._sdk_modules()
with open(path, "w") as f:
    json.dump(["pulumi_aws.sqs", "pulumi_aws.no_such_module", "not_an_sdk_at_all"], f)
_zygote._load_like(path)
import os
print(json.dumps({
    "acm_listed_before": "pulumi_aws.acm" in before, "acm_registered": "pulumi_aws.acm" in sys.modules,
    "sqs_before": "pulumi_aws.sqs" in before, "sqs_loaded": type(sys.modules.get("pulumi_aws.sqs")) is types.ModuleType,
    "sqs_after": "pulumi_aws.sqs" in _zygote._sdk_modules(), "json_listed": "json" in _zygote._sdk_modules(),
    "file_left": os.path.exists(path), "pulumi_listed": "pulumi" in before,
}))
"""


def test_the_zygote_loads_what_a_run_loaded_and_only_the_sdks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path / "loaded.json")], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {
        "acm_listed_before": False,  # registered lazily, never used: not loaded by the run, so not listed
        "acm_registered": True,
        "sqs_before": False,
        "sqs_loaded": True,  # named by the run: loaded here
        "sqs_after": True,
        "json_listed": False,  # not an SDK's module
        "file_left": False,  # read once
        "pulumi_listed": True,
    }, seen
