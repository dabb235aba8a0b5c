"""The storage components on their own, through preflight: a claim of each class, schema-valid, no finding."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, REPO, preflight_json

PROGRAM = FIXTURES / "programs" / "storage"


@pytest.mark.e2e
def test_claims_of_every_class_validate_and_the_components_pass_prod_s_pack_in_both_phases() -> None:
    code, data, err = preflight_json("--program", str(PROGRAM), "--phase", "both", "--policy-pack-config",
                                     str(REPO / "policies" / "config" / "prod.json"))
    assert code == 0, err
    claims = {r["name"]: r["inputs"]["spec"] for r in data["resources"]
              if r["type"] == "kubernetes:core/v1:PersistentVolumeClaim"}
    assert {n: c["storageClassName"] for n, c in claims.items()} == {
        "postgres-data": "gp3", "shared-reports": "efs", "scratch": "fsx-lustre", "raw-events": ""}
    assert data["manifestErrors"] == [] and data["summary"]["manifestsChecked"] == 8, "4 claims, 3 classes, 1 volume"
    assert data["violations"] == [] and data["unchecked"] == []
    protected = {r["name"] for r in data["resources"] if r["protect"]}
    assert {"efs-fs", "fsx-static", "ebs-key", "efs-key", "fsx-key"} <= protected
