"""The preflight report as a pull-request comment (``--format markdown``).

One comment, ready to post: the verdict; violations grouped by enforcement level and by the phases that
report them, each with its resource, message and the pack's remediation; what was not checked and why; and
a Mermaid diagram of the stack's components and how they depend on each other. Everything a program or a
pack wrote is escaped, so no message can break the comment; the comment stays under GitHub's limit, with
room for a footer the posting workflow adds (cut between items, with a note, when the report is longer);
and, as every preflight report, it is byte-identical from run to run.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .analyzer import PolicyInfo, Violation
from .monitor import STACK_TYPE, RecordedResource
from .report import Report, display_type

#: GitHub's largest comment body, in characters.
COMMENT_LIMIT = 65_536
#: The most the comment takes: under GitHub's limit, with room for what the posting workflow appends (a
#: footer naming the run). Counted in UTF-16 code units, as JavaScript counts (an emoji is two), which is
#: never less than GitHub's count.
COMMENT_BUDGET = 64_000
#: A message longer than this is cut (a pack may report pages of text for one resource).
MESSAGE_LIMIT = 4_000
#: A list longer than this goes into a collapsed ``<details>`` block.
COLLAPSE_AFTER = 5
#: Mermaid's default ``maxTextSize``.
MERMAID_MAX_TEXT = 50_000
#: Room kept for the truncation note when the comment is cut.
_NOTE_ROOM = 1_000

_PHASE_GROUPS = (
    (frozenset({"preview", "up"}), "Preview and up",
     "a first `pulumi preview` on this pull request reports these"),
    (frozenset({"up"}), "Only at `pulumi up`",
     "a first `pulumi preview` on this pull request passes these; `pulumi up` stops on them part-way through "
     "the deployment"),
    (frozenset({"preview"}), "Only at preview",
     "a first `pulumi preview` reports these; `pulumi up`, with the values known, does not"),
)


def marker(project: str, stack: str) -> str:
    """The hidden line a workflow searches for to find, and update, its own comment."""
    return f"<!-- preflight:{project}/{stack} -->"


# -- escaping ---------------------------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|[=+-]|\d{1,9}[.)](?=\s|$))")
_CODE_SPAN = re.compile(r"`[^`\n]+`")


def escape(text: str, table: bool = False) -> str:
    """``text`` as literal Markdown: nothing in it formats, links, opens HTML or ends a table cell.

    Balanced single-backtick code spans (``like `this` ``) are kept as code; any other backtick is
    escaped. Line breaks become ``<br>`` in a table cell and stay line breaks elsewhere.
    """
    lines = [_escape_line(line, table) for line in text.splitlines() or [""]]
    return "<br>".join(lines) if table else "\n".join(lines)


def _escape_line(line: str, table: bool) -> str:
    spans = list(_CODE_SPAN.finditer(line))
    outside = _CODE_SPAN.sub("", line)
    if "`" in outside:  # an unbalanced backtick: nothing is code
        spans = []
    out, last = [], 0
    for m in spans:
        out.append(_SPECIAL.sub(r"\\\1", line[last:m.start()]))
        out.append(m.group(0).replace("|", "\\|") if table else m.group(0))
        last = m.end()
    out.append(_SPECIAL.sub(r"\\\1", line[last:]))
    # A line of its own must not become a heading, a list item, a rule or a setext underline.
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], "".join(out))


def code(text: str, table: bool = False) -> str:
    """``text`` as one inline code span, whatever backticks it holds (pipes escaped in a table cell)."""
    text = " ".join(text.splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    body = text.replace("|", "\\|") if table else text
    return f"{fence}{pad}{body}{pad}{fence}"


def _cap(text: str, limit: int = MESSAGE_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f" … ({len(text) - limit} more characters in the JSON report)"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# -- the component graph ------------------------------------------------------------------------

@dataclass(frozen=True)
class ComponentGraph:
    """The stack's component resources (tree order) and the dependencies between them."""

    components: list[RecordedResource]
    edges: list[tuple[str, str]]
    """``(a, b)``: a resource in ``a``'s subtree depends on one in ``b``'s (URNs, in tree order)."""
    parent: dict[str, str] = field(default_factory=dict)
    """A component's nearest component ancestor ("" at the top)."""


def component_graph(resources: list[RecordedResource]) -> ComponentGraph:
    """Components (``custom=False``, not the stack, remote ones included) and the edges between them.

    ``A -> B`` when any resource in A's subtree (A or its descendants) has a dependency or a property
    dependency on a resource in B's subtree, A is not B, and neither is the other's ancestor.
    """
    by_urn = {r.urn: r for r in resources}
    components = [r for r in resources if not r.custom and r.type != STACK_TYPE]
    index = {r.urn: i for i, r in enumerate(components)}
    chains: dict[str, tuple[str, ...]] = {}

    def chain(urn: str) -> tuple[str, ...]:
        """The components ``urn`` is in: itself if it is one, then its ancestors', nearest first."""
        if urn in chains:
            return chains[urn]
        out, seen, cur = [], set(), urn
        while cur in by_urn and cur not in seen:
            seen.add(cur)
            if cur in index:
                out.append(cur)
            cur = by_urn[cur].parent
        chains[urn] = tuple(out)
        return chains[urn]

    edges: set[tuple[str, str]] = set()
    for r in resources:
        sources = chain(r.urn)
        if not sources:
            continue
        targets = set(r.dependencies)
        for urns in r.property_dependencies.values():
            targets.update(urns)
        for target in targets:
            for b in chain(target):
                for a in sources:
                    if a != b and a not in chain(b) and b not in chain(a):
                        edges.add((a, b))
    parent = {c.urn: (chain(c.urn)[1] if len(chain(c.urn)) > 1 else "") for c in components}
    return ComponentGraph(components, sorted(edges, key=lambda e: (index[e[0]], index[e[1]])), parent)


#: More arrows than this, after the reduction, and the comment shows a table instead of a diagram.
TRACEABLE_EDGES = 40


def traceable(graph: ComponentGraph) -> ComponentGraph:
    """``graph`` with the arrows a reader can follow: between sibling components only, one per pair, without
    those implied by others.

    An arrow from a component nested in A to one nested in B (A and B siblings: the same parent component,
    or both at the top) is drawn once, from A to B: the boxes show what is inside what. Then an arrow
    A -> C is left out when A still reaches C through other arrows (A -> B -> C), a transitive reduction
    that keeps every path. Same input, same output: edges are considered in the graph's order.
    """
    ancestors: dict[str, list[str]] = {}
    for c in graph.components:
        chain, cur = [c.urn], graph.parent.get(c.urn, "")
        while cur:
            chain.append(cur)
            cur = graph.parent.get(cur, "")
        ancestors[c.urn] = chain[::-1]  # top first
    index = {c.urn: i for i, c in enumerate(graph.components)}
    lifted: set[tuple[str, str]] = set()
    for a, b in graph.edges:
        ca, cb = ancestors[a], ancestors[b]
        depth = 0
        while depth < min(len(ca), len(cb)) and ca[depth] == cb[depth]:
            depth += 1
        if depth < len(ca) and depth < len(cb):  # never an ancestor of the other (component_graph's rule)
            lifted.add((ca[depth], cb[depth]))
    edges = sorted(lifted, key=lambda e: (index[e[0]], index[e[1]]))
    kept = set(edges)
    for edge in edges:
        kept.discard(edge)
        if not _reaches(kept, *edge):
            kept.add(edge)
    return ComponentGraph(graph.components, [e for e in edges if e in kept], graph.parent)


def _reaches(edges: set[tuple[str, str]], start: str, goal: str) -> bool:
    out: dict[str, list[str]] = {}
    for a, b in edges:
        out.setdefault(a, []).append(b)
    seen, todo = {start}, [start]
    while todo:
        for nxt in out.get(todo.pop(), []):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


_MERMAID_ESCAPES = {'"': "#quot;", "#": "#35;", "&": "#38;", "<": "#lt;", ">": "#gt;", "[": "#91;", "]": "#93;",
                    "(": "#40;", ")": "#41;", "{": "#123;", "}": "#125;", "|": "#124;", "`": "#96;",
                    "\n": " ", "\r": " ", "\t": " "}


def mermaid_label(text: str) -> str:
    """``text`` safe inside a quoted Mermaid label (entity codes for quotes, brackets and markup)."""
    return "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in text)


def _short_type(token: str) -> str:
    return token.rsplit(":", 1)[-1] or token


def node_ids(components: list[RecordedResource]) -> dict[str, str]:
    """A Mermaid-safe, deterministic id per component URN: ``c_<Type>_<name>``, numbered on a clash."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for c in components:
        base = "c_" + re.sub(r"[^A-Za-z0-9_]", "_", f"{_short_type(c.type)}_{c.name}")
        node, n = base, 1
        while node in taken:
            n += 1
            node = f"{base}_{n}"
        taken.add(node)
        ids[c.urn] = node
    return ids


def mermaid(graph: ComponentGraph, failing: frozenset[str] | set[str] = frozenset()) -> str:
    """A ``flowchart LR`` of the components: a component with child components is a subgraph holding them.

    Remote components are dashed; a component whose subtree fails the run (``failing``) is red.
    """
    ids = node_ids(graph.components)
    children: dict[str, list[RecordedResource]] = {}
    for c in graph.components:
        children.setdefault(graph.parent[c.urn], []).append(c)
    lines = ["```mermaid", "flowchart LR"]

    def emit(c: RecordedResource, depth: int) -> None:
        pad = "  " * depth
        label = f'"{mermaid_label(_short_type(c.type))}<br/>{mermaid_label(c.name)}"'
        if c.urn in children:
            lines.append(f"{pad}subgraph {ids[c.urn]}[{label}]")
            for child in children[c.urn]:
                emit(child, depth + 1)
            lines.append(f"{pad}end")
        else:
            lines.append(f"{pad}{ids[c.urn]}[{label}]")

    for top in children.get("", []):
        emit(top, 1)
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in graph.edges]
    for c in graph.components:
        style = []
        if c.urn in failing:
            style.append("fill:#ffebe9,stroke:#cf222e,color:#1f2328")
        if c.remote:
            style.append("stroke-dasharray:5 5")
        if style:
            lines.append(f"  style {ids[c.urn]} {','.join(style)}")
    lines.append("```")
    return "\n".join(lines)


# -- sections and truncation ----------------------------------------------------------------------

@dataclass
class _Section:
    """A run of items under a head; cut between items, never inside one."""

    what: str
    """What the items are, for the truncation note ("mandatory violations")."""
    head: list[str]
    items: list[str]
    tail: list[str] = field(default_factory=list)
    group: str = ""
    """A heading shared with the following sections, printed once before the first of them shown."""


def length(text: str) -> int:
    """``text``'s length in UTF-16 code units (what ``String.length`` gives a workflow's script)."""
    return len(text.encode("utf-16-le")) // 2


def _assemble(top: list[str], sections: list[_Section], bottom: list[str], limit: int) -> str:
    def text(parts: list[str]) -> str:
        return "\n".join(parts).rstrip("\n") + "\n"

    full: list[str] = list(top)
    shown_groups: set[str] = set()
    for s in sections:
        if s.group and s.group not in shown_groups:
            shown_groups.add(s.group)
            full += [s.group, ""]
        full += s.head + s.items + s.tail
    whole = text(full + bottom)
    if length(whole) <= limit:
        return whole

    budget = limit - _NOTE_ROOM
    out: list[str] = list(top)
    used = length(text(out))
    totals: dict[str, int] = {}
    dropped: dict[str, int] = {}
    shown_groups = set()
    for s in sections:
        group = [s.group, ""] if s.group and s.group not in shown_groups else []
        fixed = sum(length(line) + 1 for line in group + s.head + s.tail)
        kept: list[str] = []
        size = 0
        for item in s.items:
            if used + fixed + size + length(item) + 1 > budget:
                break
            kept.append(item)
            size += length(item) + 1
        if kept:
            if group:
                shown_groups.add(s.group)
            out += group + s.head + kept + s.tail
            used = length(text(out))
        totals[s.what] = totals.get(s.what, 0) + len(s.items)
        dropped[s.what] = dropped.get(s.what, 0) + len(s.items) - len(kept)
    left_out = [f"{dropped[what]} of {totals[what]} {what}" for what in totals if dropped[what]]
    why = f" (GitHub takes {COMMENT_LIMIT:,} at most)" if limit <= COMMENT_LIMIT else ""
    note = (f"> [!NOTE]\n> This comment is cut to {limit:,} characters{why}; not shown: "
            f"{escape('; '.join(left_out))}. The whole report is the JSON one (`python -m preflight --format "
            "json`) that the workflow run keeps as an artifact.")
    result = text(out + [note, ""] + bottom)
    while length(result) > limit:  # only with a limit too small for the verdict itself
        result = result[:-2] + "\n"
    return result


# -- the comment ----------------------------------------------------------------------------------

def _verdict(report: Report) -> str:
    stack = code(report.stack)
    if report.passed:
        if report.pack is None:
            return f"### ✅ preflight: {stack} passes (no policy pack run; its Kubernetes manifests are valid)"
        advisory = f" with {_plural(len(report.advisory), 'advisory violation')}" if report.advisory else ""
        return f"### ✅ preflight: {stack} passes its policy pack{advisory}"
    parts = []
    if report.mandatory:
        parts.append(_plural(len(report.mandatory), "mandatory violation"))
    invalid = len({e.urn for e in report.manifest_errors})
    if invalid:
        parts.append(_plural(invalid, "invalid Kubernetes manifest"))
    if report.upgrade is not None and not report.upgrade.ready:
        parts.append(_plural(len(report.upgrade.blocking), "upgrade blocker"))
    return f"### ❌ preflight: {stack} has {' and '.join(parts)}"


def _header(report: Report) -> list[str]:
    s = report.summary()
    pack = "none" if report.pack is None else code(f"{report.pack.name}@v{report.pack.version}")
    kubernetes = f" · Kubernetes {code(report.kubernetes_version)}" if report.kubernetes_version else ""
    lines = [_verdict(report), marker(report.project, report.stack), "",
             f"Project {code(report.project)} · stack {code(report.stack)} · phases: {', '.join(report.phases)} · "
             f"policy pack {pack}{kubernetes}", "",
             "| Mandatory | Advisory | Not checked at preview | Invalid manifests | Not visible offline | Resources |",
             "|---:|---:|---:|---:|---:|---:|",
             f"| {s['mandatoryViolations']} | {s['advisoryViolations']} | {s['uncheckedAtPreview']} | "
             f"{s['invalidManifests']} ({s['manifestsChecked']} checked) | {s['notVisible']} | "
             f"{s['resources']} ({s['customResources']} custom, {s['components']} components) |", ""]
    if report.only_at_up:
        n = len(report.only_at_up)
        lines += [f"> [!WARNING]\n> {_plural(n, 'mandatory violation')} {'is' if n == 1 else 'are'} caught only by "
                  "`pulumi up`: a first `pulumi preview` on this pull request passes "
                  f"{'it' if n == 1 else 'them'}, and the deployment stops part-way through.", ""]
    return lines


class _Resources:
    def __init__(self, report: Report) -> None:
        self.by_urn = {r.urn: r for r in report.resources}

    def describe(self, urn: str) -> str:
        """``aws:eks:Cluster`` **name**: the display type as code, the name in bold."""
        r = self.by_urn.get(urn)
        if r is not None:
            token, name = r.type, r.name
        else:
            parts = urn.split("::", 3)
            token = parts[2].split("$")[-1] if len(parts) == 4 else "?"
            name = parts[3] if len(parts) == 4 else urn
        return f"{code(display_type(token))} **{escape(name)}**"


def _policy_of(report: Report, name: str) -> PolicyInfo | None:
    return next((p for p in report.pack.policies if p.name == name), None) if report.pack else None


def _description(v: Violation, policy: PolicyInfo | None) -> str:
    return v.description or (policy.description if policy else "")


def _violation_item(v: Violation, report: Report, resources: _Resources) -> str:
    """One violation inside its policy's block: the resource, where the program creates it, the message."""
    policy = _policy_of(report, v.policy)
    message = v.message
    description = _description(v, policy)
    if description and message.startswith(description + "\n"):  # pulumi-policy puts the description first
        message = message[len(description) + 1:]
    notes = [n for n in (v.enforcement if v.enforcement not in ("mandatory", "advisory") else "", v.severity) if n]
    # A backslash at the end of a line is a hard line break, in comments and in documents alike.
    lines = [f"- on {resources.describe(v.urn)} at {code(str(report.location(v.urn)))}"
             + (f" · {escape(', '.join(notes))}" if notes else "") + "\\",
             f"  <sub>{code(v.urn)}</sub>", ""]
    if message != description:
        lines += _paragraphs(escape(_cap(message)))
    return "\n".join(lines) + "\n"


def _policy_head(report: Report, name: str, members: list[Violation]) -> tuple[list[str], list[str]]:
    """A policy's folded block: the summary names it, its description and count; the remediation comes first."""
    policy = _policy_of(report, name)
    title = f"<code>{html.escape(name)}</code>"
    summary = f"<b>{title}</b> ({len(members)})"
    description = _description(members[0], policy)
    if description:
        summary += " — " + html.escape(" ".join(description.split()))
    head = [f"<details><summary>{summary}</summary>", ""]
    if policy is not None and re.fullmatch(r"https?://[^\s()<>]+", policy.url or ""):
        head += [f"  [{code(name)}]({policy.url})", ""]
    if policy is not None and policy.remediation:
        head += ["  **Remediation:** " + escape(_cap(" ".join(policy.remediation.split()))), ""]
    return head, ["</details>", ""]


def _counts_section(report: Report) -> list[_Section]:
    """The table on top: violations per policy, mandatory first, with the phases that report them."""
    if not report.violations:
        return []
    counts: dict[tuple[str, str], list[Violation]] = {}
    for v in report.violations:
        counts.setdefault((v.enforcement, v.policy), []).append(v)
    rows = []
    for (level, name), members in counts.items():  # report order: by level, then policy
        phases = sorted({p for v in members for p in v.phases}, key=["preview", "up"].index) \
            if all(p in ("preview", "up") for v in members for p in v.phases) else sorted({p for v in members for p in v.phases})
        rows.append(f"| {code(name, table=True)} | {escape(level, table=True)} | {len(members)} | "
                    f"{escape(', '.join(phases), table=True)} |")
    head = [f"#### Violations by policy ({len(rows)} {'policy' if len(rows) == 1 else 'policies'})", "",
            "| Policy | Level | Violations | Phases |", "|---|---|---:|---|"]
    return [_Section("rows of the violation count table", head, rows, [""])]


def _paragraphs(text: str) -> list[str]:
    """Escaped ``text`` indented into a list item; its line breaks kept as hard breaks."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            out.append("")
        else:
            if out and out[-1]:
                out[-1] += "\\"
            out.append("  " + line)
    return out


def _collapsible(head: list[str], items: list[str], summary: str) -> tuple[list[str], list[str]]:
    """The head and tail that wrap ``items``: in a collapsed ``<details>`` when there are many."""
    if len(items) <= COLLAPSE_AFTER:
        return head, [""]
    return head + [f"<details><summary>{summary}</summary>", ""], ["", "</details>", ""]


def _violation_sections(report: Report, resources: _Resources) -> list[_Section]:
    sections = []
    for level, group in (("Mandatory", report.mandatory), ("Advisory", report.advisory)):
        if not group:
            continue
        heading = f"#### {'🛑' if level == 'Mandatory' else '⚠️'} {level} ({len(group)})"
        if len(report.phases) == 1:
            sets = [(frozenset(report.phases), "", "", group)]
        else:
            sets = [(key, label, why, [v for v in group if frozenset(v.phases) == key])
                    for key, label, why in _PHASE_GROUPS]
            known = {key for key, _, _ in _PHASE_GROUPS}
            other = [v for v in group if frozenset(v.phases) not in known]
            if other:
                sets.append((frozenset(), "Other phases", "", other))
        for _, label, why, members in sets:
            if not members:
                continue
            head = [f"**{label}** ({len(members)}): {why}", ""] if label else []
            what = f"{level.lower()} violations" + (f" ({_strip(label)})" if label else "")
            by_policy: dict[str, list[Violation]] = {}
            for v in members:
                by_policy.setdefault(v.policy, []).append(v)
            for i, (name, found) in enumerate(by_policy.items()):
                open_, close = _policy_head(report, name, found)
                sections.append(_Section(what, (head if i == 0 else []) + open_,
                                         [_violation_item(v, report, resources) for v in found], close,
                                         group=heading))
    return sections


def _strip(label: str) -> str:
    return label.replace("`", "").lower()


def _unchecked_section(report: Report, resources: _Resources) -> list[_Section]:
    if not report.unchecked:
        return []
    items = []
    for u in report.unchecked:
        why = u.message.split(" during preview: ", 1)[-1]
        line = f"- {code(u.policy)} on {resources.describe(u.urn)}" + (f" ({escape(u.phase)})" if u.phase != "preview"
                                                                      else "")
        line += f": {escape(_cap(' '.join(why.split())))}"
        if u.phase == "preview" and "up" in report.phases:
            found = [v for v in report.violations if v.policy == u.policy and v.urn == u.urn and "up" in v.phases]
            if found:
                line += f" → at `pulumi up`: **a {escape(found[0].enforcement)} violation** (above)."
            elif any(o.policy == u.policy and o.urn == u.urn and o.phase == "up" for o in report.unchecked):
                line += " → at `pulumi up`: not decided either."
            else:
                line += " → at `pulumi up`: no violation."
        items.append(line)
    head = [f"#### ❔ Not checked at preview ({len(items)})", "",
            "No verdict: the policy read a value that is unknown until the resource exists, so a first "
            "`pulumi preview` cannot judge it and `pulumi up` decides.", ""]
    head, tail = _collapsible(head, items, f"The {len(items)} policy runs")
    return [_Section("policy runs not checked at preview", head, items, tail)]


def _manifest_section(report: Report, resources: _Resources) -> list[_Section]:
    if not report.manifest_errors:
        return []
    items = [f"- {resources.describe(e.urn)}: {code(e.path or '(the object)')}: {escape(_cap(e.message))}"
             for e in report.manifest_errors]
    invalid = len({e.urn for e in report.manifest_errors})
    head = [f"#### 🛑 Invalid Kubernetes manifests ({invalid})", "",
            f"Checked against the strict OpenAPI schemas of Kubernetes {escape(report.kubernetes_version)}; the API "
            "server would refuse these.", ""]
    head, tail = _collapsible(head, items, f"The {len(items)} errors")
    return [_Section("manifest errors", head, items, tail)]


def _not_visible_section(report: Report) -> list[_Section]:
    if not report.not_visible:
        return []
    rows = []
    for n in report.not_visible:
        parts = n.urn.split("::", 3)
        name = parts[3] if len(parts) == 4 else n.urn
        rows.append(f"| {code(display_type(n.type), table=True)} | {escape(name, table=True)} | "
                    f"{escape(_cap(n.reason), table=True)} |")
    head = [f"#### 🙈 Not visible offline ({len(rows)})", "",
            "Offline, these render nothing or are one opaque resource; the pack does not see what they create.", ""]
    head, tail = _collapsible(head, rows, f"The {len(rows)} resources")
    return [_Section("resources not visible offline", head + ["| Type | Name | Why |", "|---|---|---|"], rows, tail)]


def _diagnostics_section(report: Report, resources: _Resources) -> list[_Section]:
    if not report.messages:
        return []
    items = [f"- **{escape(sev)}**: {escape(_cap(' '.join(msg.split())))}" + (f" ({resources.describe(urn)})" if urn
                                                                              else "")
             for sev, urn, msg in report.messages]
    head, tail = _collapsible([f"#### Program diagnostics ({len(items)})", ""], items, f"The {len(items)} messages")
    return [_Section("program diagnostics", head, items, tail)]


def _graph_section(report: Report) -> list[_Section]:
    graph = component_graph(report.resources)
    head = [f"#### 🧩 Components ({len(graph.components)})", ""]
    if not graph.components:
        return [_Section("component diagram", head, ["The stack has no component resources: every resource is at "
                                                     "its top level.", ""])]
    failing_urns = {v.urn for v in report.mandatory} | {e.urn for e in report.manifest_errors}
    by_urn = {r.urn: r for r in report.resources}
    failing: set[str] = set()
    for urn in failing_urns:
        cur, seen = urn, set()
        while cur in by_urn and cur not in seen:
            seen.add(cur)
            failing.add(cur)
            cur = by_urn[cur].parent
    drawn = traceable(graph)
    block = mermaid(drawn, failing)
    if len(drawn.edges) > TRACEABLE_EDGES or len(block) > MERMAID_MAX_TEXT:
        return [_Section("component table", head + [
            f"{_plural(len(drawn.edges), 'arrow')} between {_plural(len(graph.components), 'component')}: too dense to "
            "trace as a diagram, so a table (a component's dependencies, arrows implied by others left out; the JSON "
            "report has every resource's parent and dependencies).", "",
            "| Component | Inside | Depends on |", "|---|---|---|"], _dependency_rows(drawn, failing), [""])]
    legend = ("An arrow A → B: a resource in A (or in a component inside it) depends on one in B. Arrows join "
              "components in the same box, one per pair; one implied by others (A → B → C) is left out.")
    if any(graph.parent[c.urn] for c in graph.components):
        legend += " A box inside another is its child component."
    if any(c.remote for c in graph.components):
        legend += " Dashed: a remote component, whose own children are not visible offline."
    if failing & {c.urn for c in graph.components}:
        legend += " Red: holds a resource that fails the check."
    return [_Section("component diagram", head, [legend + "\n\n" + block + "\n"])]


def _dependency_rows(graph: ComponentGraph, failing: set[str]) -> list[str]:
    by_urn = {c.urn: c for c in graph.components}
    needs: dict[str, list[str]] = {}
    for a, b in graph.edges:
        needs.setdefault(a, []).append(b)

    def name(urn: str) -> str:
        c = by_urn[urn]
        return code(f"{_short_type(c.type)} {c.name}", table=True)

    rows = []
    for c in graph.components:
        mark = " 🛑" if c.urn in failing else ""
        parent = name(graph.parent[c.urn]) if graph.parent.get(c.urn) else ""
        rows.append(f"| {name(c.urn)}{mark} | {parent} | {', '.join(name(b) for b in needs.get(c.urn, [])) or '—'} |")
    return rows


def _upgrade_section(report: Report) -> list[_Section]:
    if report.upgrade is None:
        return []
    from .upgrade import markdown_parts

    head, items = markdown_parts(report.upgrade)
    head, tail = _collapsible(head, items, f"The {len(items)} findings")
    return [_Section("upgrade findings", head, items, tail)]


def render_markdown(report: Report, limit: int = COMMENT_BUDGET) -> str:
    """The comment: verdict and counts, violations, what was not checked, the component diagram."""
    resources = _Resources(report)
    sections = (_counts_section(report) + _upgrade_section(report) + _violation_sections(report, resources) + _unchecked_section(report, resources)
                + _manifest_section(report, resources) + _not_visible_section(report)
                + _diagnostics_section(report, resources) + _graph_section(report))
    if report.pack is None:
        sections.insert(0, _Section("", ["No policy pack was run (`--no-policy-pack`)."], [""]))
    elif not report.violations:
        sections.insert(0, _Section("", [f"No violations: {code(report.pack.name)} reported none."], [""]))
    bottom = ["<sub>preflight: the program and its policy pack, run offline against a mock cloud "
              f"(`python -m preflight`) · exit code {report.exit_code}</sub>"]
    return _assemble(_header(report), sections, bottom, limit)
