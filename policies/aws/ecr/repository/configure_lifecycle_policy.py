"""G5: every repository has a lifecycle policy (BPG image "Implement lifecycle policies for ECR")."""

from __future__ import annotations

from _known import UNKNOWN, get, known
from _metadata import RuleMetadata
from _resolve import referenced
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    repositories = [r for r in args.resources if r.resource_type == REPOSITORY]
    if not repositories:
        args.not_applicable("the stack has no ECR repositories")
    covered_urns: set[str] = set()
    covered_names: set[str] = set()
    for r in args.resources:
        if r.resource_type == LIFECYCLE:
            covered_urns.update(d.urn for d in referenced(r, "repository", REPOSITORY))
            name = get(r.props, "repository")
            if name is not UNKNOWN:  # a name written in the program (a repository managed elsewhere)
                covered_names.add(str(name))
    for repo in repositories:
        name = str(known(get(repo.props, "name"), "name") or repo.name)
        if repo.urn not in covered_urns and name not in covered_names:
            report(f"ECR repository '{name}' has no lifecycle policy, so images accumulate forever (cost, and old "
                   "vulnerable images stay pullable). Add an aws.ecr.LifecyclePolicy expiring untagged and old images.",
                   repo.urn)


METADATA = RuleMetadata(
    id="G5",
    aws_control="Amazon ECR lifecycle policies: AWS expires images by the policy's rules",
    bpg=("image: Implement lifecycle policies for ECR",),
)

configure_lifecycle_policy = StackValidationPolicy(
    name="aws-ecr-repository-configure-lifecycle-policy",
    description="Every ECR repository must have a lifecycle policy.",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("ecr", "supply-chain"),
    remediation_steps="Add an aws.ecr.LifecyclePolicy for the repository.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html",
)
