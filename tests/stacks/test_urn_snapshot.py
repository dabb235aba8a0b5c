"""The stacks' URNs match the committed snapshot, or moved resources carry aliases to their old URNs."""

from __future__ import annotations

import pytest

import tests.snapshots.urns as urns_module
from tests.conftest import declared_resources
from tests.snapshots.urns import STACKS, compare, declared, path

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("stack", STACKS)
def test_no_resource_is_replaced_or_deleted_without_an_alias(stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The stack's offline up without a pack, as `make snapshot` runs it: the run the stack-graph tests share.
    monkeypatch.setattr(urns_module, "offline_resources", declared_resources)
    urns, aliases = declared(stack)
    gone, new = compare(path(stack).read_text().split(), urns, aliases)
    assert not gone, (f"{len(gone)} resource(s) of stack '{stack}' would be replaced or deleted: a new URN means a "
                      "new resource. Keep the old URN with aliases=[...] on the moved resource, or, if deleting is "
                      "intended and reviewed, run `make snapshot`:\n  " + "\n  ".join(gone))
    assert not new, (f"{len(new)} new resource(s) in stack '{stack}' are not in {path(stack).name}; review them and "
                     "run `make snapshot`:\n  " + "\n  ".join(new))


def test_a_moved_resource_needs_an_alias_and_a_new_one_needs_recording() -> None:
    old = "urn:pulumi:dev::eks-platform::eks-platform:components:Access$kubernetes:core/v1:Namespace::dev-access-ns-a"
    new = "urn:pulumi:dev::eks-platform::eks-platform:components:Namespaces$kubernetes:core/v1:Namespace::dev-ns-a"
    assert compare([old], [new], {new: [old]}) == ([], [new]), "moved with an alias: nothing gone, one to record"
    assert compare([old], [new], {new: []}) == ([old], [new]), "without the alias the old resource would be deleted"
    assert compare([old], [old], {}) == ([], [])
