"""G8: container images are pinned: a version tag at least, a digest at best (CKV_K8S_14, CKV_K8S_43).

An image with no tag is ``:latest``, and ``latest`` (like any tag that is pushed again) is whatever was
pushed last: two nodes can run different code under one spec, a rollback does not roll back, and what was
scanned is not what runs. A version tag is accepted (ECR repositories of this platform make tags immutable,
G2); a digest (``name@sha256:...``) is immutable everywhere and is what the BPG recommends (image "Use
immutable tags with ECR", "Use attestations to validate artifact integrity"). ``requireDigest: true`` makes a
digest mandatory (CKV_K8S_43).

Every container is judged, init and ephemeral ones too, and a ``*Patch`` on the images it sets. An image
unknown at preview is built from another resource of the stack (an ECR repository URL): nothing of it can be
read, so the rule names it and decides during ``pulumi up``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pods import ContainerView, PodView
from _workloads import BPG_IMAGES_URL, IMAGE_UNKNOWN, config_schema, container_image, each_container, judge_pods, where
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    require_digest = bool(config.get("requireDigest", False))

    def check(container: ContainerView) -> Iterator[str]:
        image = container_image(container, IMAGE_UNKNOWN + ", so its tag or digest cannot be read yet")
        if image is None or image.digest is not None:
            return
        if image.tag is None:
            flaw = "has no tag, so it runs whatever was pushed last as latest"
        elif image.tag.lower() == "latest":
            flaw = f"uses the tag {image.tag}, which moves with every push"
        elif require_digest:
            flaw = f"is pinned only by the tag {image.tag}, and this stack's policy config requires a digest"
        else:
            return
        yield (f"{where(view, container)} image '{image.raw}' {flaw}: nodes may run different code under one spec "
               "and a rollback does not roll back. Pin the image by digest (@sha256:..., immutable everywhere) or at "
               "least by a version tag in a repository with immutable tags.")

    yield from each_container(view, later, check)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    judge_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="G8",
    aws_control="Amazon ECR immutable tags and content-addressed image digests",
    bpg=("image: Use immutable tags with ECR", "image: Use attestations to validate artifact integrity"),
    checkov=("CKV_K8S_14", "CKV_K8S_43 (partial: a digest is required only with requireDigest: true)"),
)

disallow_unpinned_references = ResourceValidationPolicy(
    name="kubernetes-image-disallow-unpinned-references",
    description="Container images must be pinned by a version tag or a digest, never untagged or latest.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "images", "supply-chain"),
    remediation_steps="Reference the image by digest (repository@sha256:...) or by an immutable version tag; never "
                      "omit the tag or use latest.",
    url=BPG_IMAGES_URL,
    config_schema=config_schema(requireDigest={
        "type": "boolean", "default": False,
        "description": "Require a digest (@sha256:...) on every image; a version tag is not enough."}),
)
