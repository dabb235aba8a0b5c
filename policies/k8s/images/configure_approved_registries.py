"""G7: containers pull images only from approved registries (CIS EKS 5.1.4).

An image from anywhere is code from anyone: a public registry's image can be replaced, typo-squatted or
pulled under a rate limit mid-incident. Curated images live in the organisation's own ECR registries (with
scanning and immutable tags, G1 and G2) or in a few trusted upstreams (BPG image "Create a set of curated
images"). ``allowedRegistries`` lists the approved prefixes of the full image reference, e.g.
``123456789012.dkr.ecr.us-west-2.amazonaws.com/`` or ``registry.k8s.io/``; an image with no registry is read as
the container runtime reads it (``nginx`` is ``docker.io/library/nginx``). End each prefix at a ``/`` where you
can: ``123456789012.dkr.ecr.`` also matches a host such as ``123456789012.dkr.ecr.example.com``.

Only an organisation can say which registries it trusts: with no allowlist configured the rule is not
applicable (the pack keeps it advisory; prod and staging configure it and raise it to mandatory). Every
container is judged, init and ephemeral ones too, and a ``*Patch`` on the images it sets. An image unknown at
preview is built from another resource of the stack (an ECR repository URL): nothing of it can be read, so
the rule names it and decides during ``pulumi up``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pods import ContainerView, PodView, pod_view
from _workloads import BPG_IMAGES_URL, IMAGE_UNKNOWN, config_schema, container_image, each_container, judge_pods, where
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _helpers import IMAGE_PREFIX_PATTERN, pattern_item


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    allowed = [str(p) for p in config.get("allowedRegistries", [])]

    def check(container: ContainerView) -> Iterator[str]:
        image = container_image(container, IMAGE_UNKNOWN + ", so its registry cannot be compared with "
                                                           "allowedRegistries yet")
        if image is None or any(image.raw.startswith(p) or image.normalised.startswith(p) for p in allowed):
            return
        implicit = f" (read as {image.normalised}: it names no registry)" if image.implicit_registry else ""
        yield (f"{where(view, container)} pulls '{image.raw}' from {image.registry}{implicit}, which is not an "
               f"approved registry (allowedRegistries: {', '.join(allowed)}). Copy the image into the organisation's "
               "ECR (an ECR pull-through cache rule keeps it current, and scanning covers it) and reference it there.")

    yield from each_container(view, later, check)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if pod_view(args) is None:
        return
    if not args.get_config().get("allowedRegistries"):
        args.not_applicable("no allowedRegistries configured: only the organisation can say which registries it "
                            "trusts")
    judge_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="G7",
    aws_control="Amazon ECR private registries and pull-through caches in the organisation's accounts",
    cis=("5.1.4",),
    bpg=("image: Create a set of curated images",),
)

configure_approved_registries = ResourceValidationPolicy(
    name="kubernetes-image-configure-approved-registries",
    description="Container images must come from a registry in the configured allowlist.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "images", "supply-chain"),
    remediation_steps="Mirror the image into an approved ECR registry (pull-through cache or a CI copy) and "
                      "reference it there, or add the registry's prefix to allowedRegistries in the policy config.",
    url=BPG_IMAGES_URL,
    config_schema=config_schema(allowedRegistries={
        "type": "array", "items": pattern_item(
            IMAGE_PREFIX_PATTERN, "a non-empty image reference prefix starting with a letter or digit, e.g. "
                                  "123456789012.dkr.ecr.us-west-2.amazonaws.com/"), "default": [],
        "description": "Approved image reference prefixes, e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com/; "
                       "empty: not configured, the rule does not apply."}),
)
