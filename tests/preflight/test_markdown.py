"""``--format markdown``: the pull-request comment, from real preflight runs, and its escaping and truncation.

The component diagram is checked against the JSON report of the same run: the nodes and edges parsed out of
the Mermaid block must be the ones computed here, independently, from every resource's URN, parent,
dependencies and property dependencies.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from google.protobuf import struct_pb2

from preflight.analyzer import PackInfo, PolicyInfo, Unchecked, Violation
from preflight.markdown import (
    COMMENT_BUDGET,
    COMMENT_LIMIT,
    code,
    component_graph,
    escape,
    length,
    marker,
    mermaid,
    mermaid_label,
    node_ids,
    render_markdown,
    traceable,
)
from preflight.monitor import RecordedResource
from preflight.report import Report
from tests.conftest import FIXTURES, preflight_json, run_preflight
from tests.policies.fixtures import pack_policies

PHASED = ("--program", str(FIXTURES / "programs" / "phased"), "--policy-pack", str(FIXTURES / "packs" / "phased"))
#: The storage program passes prod's pack: the run of tests/stacks/test_storage_program.py (shared).
STORAGE = ("--program", str(FIXTURES / "programs" / "storage"), "--policy-pack-config",
           str(FIXTURES.parent.parent / "policies" / "config" / "prod.json"))
KINDS = ("--program", str(FIXTURES / "programs" / "kinds"), "--no-policy-pack")
STACK = "pulumi:pulumi:Stack"


def _markdown(*args: str, fresh: bool = False) -> tuple[int, str, str]:
    proc = run_preflight(*args, "--format", "markdown", fresh=fresh)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def dev() -> tuple[int, str, int, dict[str, Any]]:
    code_md, md, _ = _markdown("--stack", "dev")
    code_json, data, _ = preflight_json("--stack", "dev")
    return code_md, md, code_json, data


@pytest.fixture(scope="module")
def phased() -> tuple[int, str, int, dict[str, Any]]:
    code_md, md, stderr = _markdown(*PHASED, "--phase", "both")
    assert not stderr.strip(), stderr
    code_json, data, _ = preflight_json(*PHASED, "--phase", "both")
    return code_md, md, code_json, data


# -- parsing the comment ------------------------------------------------------------------------

def _section(md: str, heading: str) -> str:
    """From ``heading`` (a line) to the next ``####`` heading."""
    start = md.index(heading + "\n")
    rest = md[start + len(heading) + 1:]
    end = rest.find("\n#### ")
    return rest if end < 0 else rest[:end]


def _items(text: str) -> list[str]:
    """The top-level bullets of ``text``, each with its indented continuation."""
    return [m.group(0).rstrip("\n") for m in re.finditer(r"(?m)^- .*(?:\n(?:  .*|)(?=\n|$))*", text)]


def _blocks(text: str) -> list[str]:
    """The ``<details>`` blocks of ``text`` (one per policy), each from its opening to its closing tag."""
    return re.findall(r"(?ms)^<details>.*?^</details>$", text)


def _decode(label: str) -> str:
    named = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}
    return re.sub(r"#(\d+|[a-z]+);", lambda m: chr(int(m.group(1))) if m.group(1).isdigit() else named[m.group(1)],
                  label)


def parse_mermaid(md: str) -> tuple[dict[str, tuple[str, str]], dict[str, str], list[tuple[str, str]], list[str]]:
    """Nodes (id -> (short type, name)), enclosing subgraph per id, edges (id pairs) and style lines."""
    blocks = re.findall(r"```mermaid\n(.*?)\n```", md, re.S)
    assert len(blocks) == 1, "one Mermaid block"
    lines = blocks[0].splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, tuple[str, str]] = {}
    parent: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    styles: list[str] = []
    open_: list[str] = []
    for line in lines[1:]:
        text = line.strip()
        sub = re.fullmatch(r'subgraph (\w+)\["([^"]*)"\]', text)
        node = re.fullmatch(r'(\w+)\["([^"]*)"\]', text)
        edge = re.fullmatch(r"(\w+) --> (\w+)", text)
        if sub or node:
            ident, label = (sub or node).groups()  # type: ignore[union-attr]
            assert ident not in nodes, f"node {ident} declared twice"
            short, name = label.split("<br/>")
            nodes[ident] = (_decode(short), _decode(name))
            parent[ident] = open_[-1] if open_ else ""
            if sub:
                open_.append(ident)
        elif text == "end":
            open_.pop()
        elif edge:
            edges.append((edge.group(1), edge.group(2)))
        elif text.startswith("style "):
            styles.append(text)
        else:
            raise AssertionError(f"unexpected Mermaid line: {line!r}")
    assert not open_, "every subgraph is closed"
    assert all(re.fullmatch(r"c_[A-Za-z0-9_]+", i) for i in nodes), "Mermaid-safe ids"
    return nodes, parent, edges, styles


def expected_graph(data: dict[str, Any]) -> tuple[set[tuple[str, str]], set[tuple[tuple[str, str], tuple[str, str]]],
                                                  dict[tuple[str, str], tuple[str, str] | None]]:
    """Components, edges and component parents computed from the JSON resources, by subtree sets."""
    resources = {r["urn"]: r for r in data["resources"]}
    components = [r for r in data["resources"] if not r["custom"] and r["type"] != STACK]

    def key(r: dict[str, Any]) -> tuple[str, str]:
        return r["type"].split(":")[-1], r["name"]

    def ancestors(urn: str) -> set[str]:
        out = set()
        while resources[urn]["parent"] in resources:
            urn = resources[urn]["parent"]
            out.add(urn)
        return out

    subtree = {c["urn"]: {u for u in resources if u == c["urn"] or c["urn"] in ancestors(u)} for c in components}
    needs = {u: set(r["dependencies"]) | {d for ds in r["propertyDependencies"].values() for d in ds}
             for u, r in resources.items()}
    edges = set()
    for a in components:
        for b in components:
            if a is b or a["urn"] in ancestors(b["urn"]) or b["urn"] in ancestors(a["urn"]):
                continue
            if any(needs[u] & subtree[b["urn"]] for u in subtree[a["urn"]]):
                edges.add((key(a), key(b)))
    urns = {c["urn"] for c in components}
    parents: dict[tuple[str, str], tuple[str, str] | None] = {}
    for c in components:
        up = c["parent"]
        while up in resources and up not in urns:
            up = resources[up]["parent"]
        parents[key(c)] = key(resources[up]) if up in urns else None
    assert len({key(c) for c in components}) == len(components), "labels are unique in these fixtures"
    return {key(c) for c in components}, edges, parents


def _closure(edges: set[tuple[Any, Any]]) -> set[tuple[Any, Any]]:
    """Every (a, c) with a path from a to c."""
    closure = set(edges)
    while True:
        more = {(a, d) for a, b in closure for c, d in closure if b == c} - closure
        if not more:
            return closure
        closure |= more


def lifted(edges: set[tuple[Any, Any]], parents: dict[Any, Any]) -> set[tuple[Any, Any]]:
    """Each edge moved up to the two sibling components (same parent, or both at the top) that hold its ends."""
    def chain(c: Any) -> list[Any]:
        out = [c]
        while parents[out[-1]] is not None:
            out.append(parents[out[-1]])
        return out[::-1]

    out = set()
    for a, b in edges:
        ca, cb = chain(a), chain(b)
        common = next(i for i in range(len(ca) + 1) if i == len(ca) or i == len(cb) or ca[i] != cb[i])
        out.add((ca[common], cb[common]))
    return out


def _check_graph(md: str, data: dict[str, Any]) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    nodes, parent, edges, _ = parse_mermaid(md)
    components, expected_edges, expected_parents = expected_graph(data)
    assert set(nodes.values()) == components and len(nodes) == len(components)
    drawn = [(nodes[a], nodes[b]) for a, b in edges]
    assert len(drawn) == len(set(drawn)), "each edge once"
    assert all(a != b for a, b in drawn), "no self-edges"
    siblings = lifted(expected_edges, expected_parents)
    assert all(expected_parents[a] == expected_parents[b] for a, b in siblings)
    assert set(drawn) <= siblings, "arrows join siblings only, one per pair"
    assert _closure(set(drawn)) == _closure(siblings), "every path of the dependencies is still drawn"
    for edge in drawn:
        assert edge not in _closure(set(drawn) - {edge}), f"{edge} is implied by other arrows"
    assert {nodes[i]: (nodes[p] if p else None) for i, p in parent.items()} == expected_parents, \
        "a component with child components is a subgraph holding them"
    return set(drawn)


# -- end to end --------------------------------------------------------------------------------

@pytest.mark.e2e
def test_dev_stack_comment_verdict_violations_and_graph(dev) -> None:  # type: ignore[no-untyped-def]
    code_md, md, code_json, data = dev
    assert code_md == code_json == 1, "the exit code is the JSON run's"
    n = data["summary"]["mandatoryViolations"]
    lines = md.splitlines()
    assert lines[0] == f"### ❌ preflight: `dev` has {n} mandatory violation{'s' if n != 1 else ''}"
    assert lines[1] == "<!-- preflight:eks-platform/dev -->" == marker("eks-platform", "dev")
    assert "phases: preview, up" in lines[3] and "policy pack `eks-platform@v" in lines[3]
    assert length(md) <= COMMENT_BUDGET < COMMENT_LIMIT

    mandatory = _section(md, f"#### 🛑 Mandatory ({n})")
    policies = pack_policies()
    blocks = _blocks(mandatory)
    counts = _section(md, "#### Violations by policy (" + md.split("#### Violations by policy (", 1)[1].split(")")[0] + ")")
    for v in (v for v in data["violations"] if v["enforcement"] == "mandatory"):
        (block,) = [b for b in blocks if f"`{v['urn']}`" in b]
        members = [u for u in data["violations"] if u["policy"] == v["policy"] and u["enforcement"] == "mandatory"
                   and frozenset(u["phases"]) == frozenset(v["phases"])]
        assert block.startswith(f"<details><summary><b><code>{v['policy']}</code></b> ({len(members)})"), \
            "folded per policy, with its count"
        assert f"[`{v['policy']}`]({policies[v['policy']].url})" in block
        remediation = " ".join(policies[v["policy"]].remediation_steps.split())
        assert f"**Remediation:** {escape(remediation)}" in block, "the pack's remediation, from GetAnalyzerInfo"
        (item,) = [i for i in _items(block) if f"`{v['urn']}`" in i]
        assert f" at `{v['file']}:{v['line']}`" in item.splitlines()[0]
        assert escape(v["message"].split("\n", 1)[-1]).splitlines()[0] in item
        total = sum(1 for u in data["violations"] if u["policy"] == v["policy"] and u["enforcement"] == "mandatory")
        assert f"| `{v['policy']}` | mandatory | {total} |" in counts, "the count table on top"

    edges = _check_graph(md, data)
    assert (("ControlPlane", "dev"), ("Network", "dev")) in edges
    assert (("Compute", "dev"), ("ControlPlane", "dev")) in edges
    assert (("Workload", "api"), ("Namespaces", "dev-namespaces")) in edges
    _, _, _, styles = parse_mermaid(md)
    assert "style c_ControlPlane_dev fill:#ffebe9,stroke:#cf222e,color:#1f2328" in styles, \
        "a component holding a mandatory violation is red"
    assert any(s.startswith("style c_Chart_dev_pod_autoscaling_vpa ") and "dasharray" in s for s in styles), \
        "remote components are dashed"


@pytest.mark.e2e
def test_phases_group_violations_and_unchecked_names_up_outcome(phased) -> None:  # type: ignore[no-untyped-def]
    code_md, md, code_json, data = phased
    assert code_md == code_json == 1
    assert md.startswith("### ❌ preflight: `dev` has 2 mandatory violations\n<!-- preflight:phased/dev -->\n")
    assert "> [!WARNING]\n> 1 mandatory violation is caught only by `pulumi up`" in md

    mandatory = _section(md, "#### 🛑 Mandatory (2)")
    both, only_up = mandatory.split("**Only at `pulumi up`** (1)")
    assert "**Preview and up** (1)" in both
    (owner_block,) = _blocks(both)
    assert owner_block.startswith("<details><summary><b><code>vpc-owner-tag</code></b> (1) — VPCs carry an owner "
                                  "tag.</summary>\n")
    assert "**Remediation:** Tag the VPC with owner=\\<team\\>." in owner_block
    (owner,) = _items(owner_block)
    assert owner.startswith("- on `aws:ec2:Vpc` **core-vpc** at `__main__.py:")
    (sg_block,) = _blocks(only_up)
    assert "\n  [`sg-in-approved-vpc`](https://example.com/policies/sg-in-approved-vpc)\n" in sg_block
    (sg,) = _items(sg_block)
    assert "`urn:pulumi:dev::phased::phased:app:Service$phased:app:Firewall$aws:ec2/securityGroup:SecurityGroup" \
           "::shop-fw-sg`" in sg
    assert "\\| not in the approved VPC `vpc-0approved000000000`" in sg, "a pipe escaped, a code span kept"
    assert "**Remediation:** Create the group in the approved VPC \\| pass `vpc_id=approved.id`." in sg_block

    advisory = _section(md, "#### ⚠️ Advisory (2)")
    both, only_preview = advisory.split("**Only at preview** (1)")
    assert [b.split("<code>")[1].split("</code>")[0] for b in _blocks(both)] == ["buckets-versioned"]
    assert [b.split("<code>")[1].split("</code>")[0] for b in _blocks(only_preview)] == ["preview-reminder"]
    assert "javascript:" not in md, "only http(s) policy URLs become links"
    assert "Remediation" not in _blocks(only_preview)[0], "a policy without remediation steps has none"

    unchecked = _section(md, "#### ❔ Not checked at preview (1)")
    (item,) = _items(unchecked)
    assert item == ("- `sg-in-approved-vpc` on `aws:ec2:SecurityGroup` **shop-fw-sg**: string value at .vpcId can't "
                    "be known during preview → at `pulumi up`: **a mandatory violation** (above).")
    assert [u["policy"] for u in data["unchecked"]] == ["sg-in-approved-vpc"]


@pytest.mark.e2e
def test_phased_graph_matches_the_json_resources(phased) -> None:  # type: ignore[no-untyped-def]
    _, md, _, data = phased
    edges = _check_graph(md, data)
    odd = ("Reporting", 'odd "report" [v2] <b>|x|</b> `#1`')
    # Before the reduction: odd -> shop, odd -> shop-fw, shop -> core, shop-fw -> core (shop-fw is inside shop).
    assert edges == {(odd, ("Service", "shop")), (("Service", "shop"), ("Network", "core"))}, \
        "depends_on a component waits for its subtree; a stack-level resource makes no edge; one arrow per pair"
    assert "#### 🧩 Components (5)" in md


@pytest.mark.e2e
def test_messages_cannot_break_the_comment(phased) -> None:  # type: ignore[no-untyped-def]
    _, md, _, _ = phased
    (bucket,) = _items(_section(md, "#### ⚠️ Advisory (2)").split("**Only at preview**")[0])
    assert ("bucket \\<b\\>shop-logs\\</b\\> \\| has no \\`versioning\\` block \\` (a lone backtick) \\*not bold\\* "
            "\\[not\\](a-link)\\\n  \\# not a heading\\\n  \\- not a list item\\\n  1\\. not a numbered item\\\n"
            "  \\</details\\> \\<!-- not a comment") in bucket
    assert len(re.findall(r"(?<!\\)<!--", md)) == 1, "only the marker is an HTML comment"
    assert md.count("<details>") == md.count("</details>")
    assert md.count("```") == 2, "one fenced block: the diagram"
    for line in md.split("```")[0].splitlines():
        assert not re.match(r" *([#>]|[-+*] |\d+[.)] |=+$)", line) or re.match(r"(#### |### |> \[!|> |- [*`]|- on `)",
                                                                                 line), \
            f"a message line became Markdown syntax: {line!r}"


@pytest.mark.e2e
def test_byte_identical_from_run_to_run(phased) -> None:  # type: ignore[no-untyped-def]
    _, first, _, _ = phased
    code_md, second, _ = _markdown(*PHASED, "--phase", "both", fresh=True)
    assert code_md == 1 and second == first


@pytest.mark.e2e
def test_pass_verdict_and_exit_code() -> None:
    code_md, md, _ = _markdown(*STORAGE)
    code_json, data, _ = preflight_json(*STORAGE)
    assert code_md == code_json == 0
    assert md.startswith("### ✅ preflight: `dev` passes its policy pack\n<!-- preflight:storage/dev -->\n")
    assert "No violations: `eks-platform` reported none." in md
    assert "Mandatory (" not in md and "Not checked at preview (" not in md
    _check_graph(md, data)


@pytest.mark.e2e
def test_invalid_manifests_fail_the_verdict_without_a_pack() -> None:
    code_md, md, _ = _markdown(*KINDS)
    assert code_md == 1
    assert md.startswith("### ❌ preflight: `dev` has 1 invalid Kubernetes manifest\n")
    assert "No policy pack was run (`--no-policy-pack`)." in md
    manifests = _section(md, "#### 🛑 Invalid Kubernetes manifests (1)")
    assert "- `kubernetes:apps/v1:Deployment` **shop-bad**: `spec.replicas`: 'three' is not of type" in manifests
    not_visible = _section(md, "#### 🙈 Not visible offline (3)")
    assert "| Type | Name | Why |" in not_visible
    assert "| `kubernetes:example.com/v1:Widget` | widget | no OpenAPI schema for this kind" in not_visible


@pytest.mark.e2e
def test_only_up_phase_has_no_phase_groups() -> None:
    code_md, md, _ = _markdown(*PHASED, "--phase", "up")
    assert code_md == 1
    assert "phases: up ·" in md and "**Preview and up**" not in md and "Only at" not in md
    assert "[!WARNING]" not in md, "nothing is 'only at up' when no preview ran"


# -- units -----------------------------------------------------------------------------------------

def test_escape_makes_text_literal() -> None:
    assert escape("a|b *c* _d_ [e](f) <g> & ~h~ \\") == "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\<g\\> \\& \\~h\\~ \\\\"
    assert escape("run `pulumi up` | now") == "run `pulumi up` \\| now", "balanced code spans stay code"
    assert escape("a ` lone `b` tick") == "a \\` lone \\`b\\` tick", "an unbalanced backtick: nothing is code"
    assert escape("x\n# h\n- l\n+ l\n1. n\n2) n\n===\n1.35") == "x\n\\# h\n\\- l\n\\+ l\n1\\. n\n2\\) n\n\\===\n1.35"
    assert escape("a|b\nc `x|y`", table=True) == "a\\|b<br>c `x\\|y`", "one table cell: pipes escaped, even in code"


def test_code_spans_hold_any_backticks() -> None:
    assert code("urn:a$b::c") == "`urn:a$b::c`"
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("a|b", table=True) == "`a\\|b`"


def test_mermaid_labels_and_ids_are_safe_and_deterministic() -> None:
    assert mermaid_label('a "b" [c] (d) {e} <f> |g| `h` #i; &j') == (
        "a #quot;b#quot; #91;c#93; #40;d#41; #123;e#125; #lt;f#gt; #124;g#124; #96;h#96; #35;i; #38;j")
    comps = [_resource("urn:pulumi:s::p::x:y:My-Comp::a.b", "x:y:My-Comp", "a.b"),
             _resource("urn:pulumi:s::p::x:z:My-Comp::a-b", "x:z:My-Comp", "a-b"),
             _resource("urn:pulumi:s::p::x:y:end::end", "x:y:end", "end")]
    assert list(node_ids(comps).values()) == ["c_My_Comp_a_b", "c_My_Comp_a_b_2", "c_end_end"]
    assert node_ids(comps) == node_ids(list(comps))


def _resource(urn: str, token: str, name: str, parent: str = "", custom: bool = False, deps: list[str] | None = None,
              prop_deps: dict[str, list[str]] | None = None, remote: bool = False) -> RecordedResource:
    return RecordedResource(seq=0, urn=urn, type=token, name=name, custom=custom, parent=parent,
                            inputs=struct_pb2.Struct(), dependencies=deps or [], property_dependencies=prop_deps or {},
                            remote=remote)


def _urn(token: str, name: str) -> str:
    return f"urn:pulumi:s::p::{token}::{name}"


def test_component_graph_rule() -> None:
    stack = _resource(_urn(STACK, "p-s"), STACK, "p-s")
    a = _resource(_urn("t:m:A", "a"), "t:m:A", "a", parent=stack.urn)
    a_inner = _resource(_urn("t:m:A$t:m:In", "in"), "t:m:In", "in", parent=a.urn)
    b = _resource(_urn("t:m:B", "b"), "t:m:B", "b", parent=stack.urn, remote=True)
    b_res = _resource(_urn("t:m:B$aws:x:R", "r"), "aws:x:R", "r", parent=b.urn, custom=True)
    # a's grandchild needs b's child (property dependency) and b's child twice: one edge per pair, and also from in.
    deep = _resource(_urn("t:m:A$t:m:In$aws:x:R", "deep"), "aws:x:R", "deep", parent=a_inner.urn, custom=True,
                     deps=[b_res.urn], prop_deps={"x": [b_res.urn], "y": [b_res.urn]})
    # in depends on its own parent, a on itself: no edges (ancestor, self).
    a_inner.dependencies.append(a.urn)
    own = _resource(_urn("t:m:A$aws:x:R", "own"), "aws:x:R", "own", parent=a.urn, custom=True, deps=[deep.urn])
    top = _resource(_urn("aws:x:R", "top"), "aws:x:R", "top", parent=stack.urn, custom=True, deps=[a.urn])
    graph = component_graph([stack, a, a_inner, b, b_res, deep, own, top])
    assert [c.name for c in graph.components] == ["a", "in", "b"]
    assert graph.edges == [(a.urn, b.urn), (a_inner.urn, b.urn)]
    assert graph.parent == {a.urn: "", a_inner.urn: a.urn, b.urn: ""}
    block = mermaid(graph, failing={b.urn})
    assert block.splitlines() == [
        "```mermaid", "flowchart LR",
        '  subgraph c_A_a["A<br/>a"]', '    c_In_in["In<br/>in"]', "  end", '  c_B_b["B<br/>b"]',
        "  c_A_a --> c_B_b", "  c_In_in --> c_B_b",
        "  style c_B_b fill:#ffebe9,stroke:#cf222e,color:#1f2328,stroke-dasharray:5 5", "```"]


def _big_report(n: int) -> Report:
    stack = _resource(_urn(STACK, "p-s"), STACK, "p-s")
    comp = _resource(_urn("t:m:C", "c"), "t:m:C", "c", parent=stack.urn)
    resources = [stack, comp]
    violations = []
    for i in range(n):
        r = _resource(_urn("t:m:C$aws:x:R", f"r{i:04}"), "aws:x:R", f"r{i:04}", parent=comp.urn, custom=True)
        resources.append(r)
        violations.append(Violation("rule|one", "mandatory", "high", r.urn, "Rule one.\n" + "why | " * 60, "Rule one.",
                                    "pack", "1.0.0", ("preview", "up")))
    unchecked = [Unchecked("rule|one", "pack", resources[2].urn, "preview", "can't run policy during preview: x")]
    pack = PackInfo("pack", "1.0.0", [PolicyInfo("rule|one", "Rule one.", "mandatory", None, "resource",
                                                 remediation="Fix `it` | now.", url="https://example.com/r")])
    return Report(project="p", stack="s", resources=resources, violations=violations, unchecked=unchecked,
                  pack=pack, phases=["preview", "up"])


def test_truncated_to_the_limit_with_a_note_and_closed_blocks() -> None:
    report = _big_report(400)
    md = render_markdown(report)
    assert length(md) <= COMMENT_BUDGET < COMMENT_LIMIT < length(render_markdown(report, limit=10**9))
    assert length("🛑") == 2, "counted as a workflow's JavaScript counts: UTF-16 code units"
    assert md.startswith("### ❌ preflight: `s` has 400 mandatory violations\n<!-- preflight:p/s -->\n")
    shown = len(_items(_section(md, "#### 🛑 Mandatory (400)").split("> [!NOTE]")[0]))
    assert 0 < shown < 400
    (note,) = [line for line in md.splitlines() if line.startswith("> This comment is cut")]
    assert note.startswith(f"> This comment is cut to 64,000 characters (GitHub takes 65,536 at most); not shown: "
                           f"{400 - shown} of 400 mandatory violations (preview and up); ")
    assert "1 of 1 component diagram" in note, "later sections are dropped whole when they do not fit"
    assert note.endswith("The whole report is the JSON one (`python -m preflight --format json`) that the workflow "
                         "run keeps as an artifact.")
    assert md.count("<details>") == md.count("</details>") and md.count("```") % 2 == 0
    assert md.rstrip().endswith("exit code 1</sub>")
    assert render_markdown(report) == md, "deterministic"


def test_small_limits_cut_between_items_never_inside() -> None:
    report = _big_report(30)
    full = render_markdown(report, limit=10**9)
    assert "Remediation:** Fix `it` \\| now." in full and "[`rule|one`](https://example.com/r)" in full
    for limit in (6_000, 9_000, 15_000):
        md = render_markdown(report, limit=limit)
        assert length(md) <= limit and "> [!NOTE]" in md
        items = _items(_section(md, "#### 🛑 Mandatory (30)").split("> [!NOTE]")[0])
        assert items and all(i in full for i in items), "whole items only"


def test_long_messages_are_capped() -> None:
    report = _big_report(1)
    report.violations = [Violation("rule|one", "mandatory", "", report.violations[0].urn, "x" * 10_000, "", "pack",
                                   "1.0.0", ("preview", "up"))]
    md = render_markdown(report)
    assert "x" * 4_000 + " … (6000 more characters in the JSON report)" in md and "x" * 4_001 not in md


def test_traceable_draws_one_arrow_per_sibling_pair_and_leaves_out_implied_ones() -> None:
    stack = _resource(_urn(STACK, "p-s"), STACK, "p-s")
    a = _resource(_urn("t:m:A", "a"), "t:m:A", "a", parent=stack.urn)
    a_in = _resource(_urn("t:m:A$t:m:In", "in"), "t:m:In", "in", parent=a.urn)
    b = _resource(_urn("t:m:B", "b"), "t:m:B", "b", parent=stack.urn)
    c = _resource(_urn("t:m:C", "c"), "t:m:C", "c", parent=stack.urn)
    b_res = _resource(_urn("t:m:B$aws:x:R", "rb"), "aws:x:R", "rb", parent=b.urn, custom=True, deps=[c.urn])
    c_res = _resource(_urn("t:m:C$aws:x:R", "rc"), "aws:x:R", "rc", parent=c.urn, custom=True)
    deep = _resource(_urn("t:m:A$t:m:In$aws:x:R", "deep"), "aws:x:R", "deep", parent=a_in.urn, custom=True,
                     deps=[b_res.urn, c_res.urn])
    graph = component_graph([stack, a, a_in, b, c, b_res, c_res, deep])
    assert set(graph.edges) == {(a.urn, b.urn), (a.urn, c.urn), (a_in.urn, b.urn), (a_in.urn, c.urn), (b.urn, c.urn)}
    drawn = traceable(graph)
    # in -> b and in -> c are drawn from a (its box); a -> c is implied by a -> b -> c.
    assert drawn.edges == [(a.urn, b.urn), (b.urn, c.urn)]
    assert drawn.components == graph.components and drawn.parent == graph.parent


def test_traceable_keeps_every_path_through_a_cycle() -> None:
    stack = _resource(_urn(STACK, "p-s"), STACK, "p-s")
    x, y, z = (_resource(_urn(f"t:m:{n.upper()}", n), f"t:m:{n.upper()}", n, parent=stack.urn) for n in "xyz")
    xr = _resource(_urn("t:m:X$aws:x:R", "xr"), "aws:x:R", "xr", parent=x.urn, custom=True, deps=[y.urn, z.urn])
    yr = _resource(_urn("t:m:Y$aws:x:R", "yr"), "aws:x:R", "yr", parent=y.urn, custom=True, deps=[x.urn, z.urn])
    graph = component_graph([stack, x, y, z, xr, yr])
    drawn = traceable(graph)
    assert _closure(set(drawn.edges)) == _closure(set(graph.edges))
    assert len(drawn.edges) == 3  # x <-> y and one of them -> z


def test_a_graph_too_dense_to_trace_is_a_table() -> None:
    stack = _resource(_urn(STACK, "p-s"), STACK, "p-s")
    targets = [_resource(_urn("t:m:T", f"t{i}"), "t:m:T", f"t{i}", parent=stack.urn) for i in range(6)]
    sources = [_resource(_urn("t:m:S", f"s{i}"), "t:m:S", f"s{i}", parent=stack.urn) for i in range(8)]
    leaves = [_resource(_urn("t:m:S$aws:x:R", f"r{i}"), "aws:x:R", f"r{i}", parent=s.urn, custom=True,
                        deps=[t.urn for t in targets]) for i, s in enumerate(sources)]
    report = Report(project="p", stack="s", resources=[stack, *targets, *sources, *leaves], phases=["up"])
    md = render_markdown(report)
    assert "```mermaid" not in md
    table = _section(md, "#### 🧩 Components (14)")
    assert "48 arrows between 14 components: too dense to trace as a diagram" in table
    assert "| `S s0` |  | `T t0`, `T t1`, `T t2`, `T t3`, `T t4`, `T t5` |" in table
    assert "| `T t0` |  | — |" in table


def test_violations_fold_per_policy_under_a_count_table() -> None:
    report = _big_report(3)
    extra = [Violation("rule-two", "mandatory", "", report.resources[2 + i].urn, f"two {i}", "Rule two.", "pack",
                       "1.0.0", ("preview", "up")) for i in range(2)]
    report = Report(project="p", stack="s", resources=report.resources, violations=report.violations + extra,
                    pack=report.pack, phases=["preview", "up"])
    md = render_markdown(report)
    counts = _section(md, "#### Violations by policy (2 policies)")
    assert "| `rule\\|one` | mandatory | 3 | preview, up |" in counts
    assert "| `rule-two` | mandatory | 2 | preview, up |" in counts
    blocks = _blocks(_section(md, "#### 🛑 Mandatory (5)"))
    assert [len(_items(b)) for b in blocks] == [2, 3]  # by policy name
    assert blocks[0].startswith("<details><summary><b><code>rule-two</code></b> (2) — Rule two.</summary>")
    assert blocks[1].startswith("<details><summary><b><code>rule|one</code></b> (3) — Rule one.</summary>")
    assert md.count("<details>") == md.count("</details>") == 2
