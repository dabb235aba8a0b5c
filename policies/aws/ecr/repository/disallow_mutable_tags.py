"""G2: image tags are immutable (CKV_AWS_51, BPG image "Use immutable tags with ECR")."""

from __future__ import annotations

from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

REPOSITORY = "aws:ecr/repository:Repository"
IMMUTABLE = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != REPOSITORY:
        return
    mutability = str(known(get(args.props, "imageTagMutability"), "imageTagMutability") or "MUTABLE")
    if mutability not in IMMUTABLE:
        report(f"ECR repository '{get(args.props, 'name') or args.name}' has {mutability} tags: a pushed tag can be "
               "replaced under running workloads. Set imageTagMutability=IMMUTABLE.")


METADATA = RuleMetadata(
    id="G2",
    aws_control="Amazon ECR tag immutability, which AWS enforces on every push",
    bpg=("image: Use immutable tags with ECR",),
    checkov=("CKV_AWS_51",),
    pcp=("aws-ecr-repository-disallow-mutable-image",),
)

disallow_mutable_tags = ResourceValidationPolicy(
    name="aws-ecr-repository-disallow-mutable-tags",
    description="ECR repositories must use immutable image tags.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("ecr", "supply-chain"),
    remediation_steps="Set imageTagMutability to IMMUTABLE.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html",
)
