"""G1: images are scanned for vulnerabilities (CKV_AWS_163, CIS EKS 5.1.1)."""

from __future__ import annotations

from fnmatch import fnmatch

from _known import Deferred, elements, get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

REPOSITORY = "aws:ecr/repository:Repository"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


def _enhanced_filters(args: StackValidationArgs) -> list[str]:
    filters: list[str] = []
    for r in args.resources:
        if r.resource_type == SCANNING and str(known(get(r.props, "scanType"), "scanType")) == "ENHANCED":
            for rule in elements(known(get(r.props, "rules"), "rules")):
                filters += [str(known(get(f, "filter"), "rules[].repositoryFilters[].filter"))
                            for f in elements(get(rule, "repositoryFilters"))]
    return filters


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    repositories = [r for r in args.resources if r.resource_type == REPOSITORY]
    if not repositories:
        args.not_applicable("the stack has no ECR repositories")
    filters = _enhanced_filters(args)
    later = Deferred()
    for repo in repositories:
        with later.item():
            _check(repo, filters, report)
    later.done()


def _check(repo: object, filters: list[str], report: ReportViolation) -> None:
    props = repo.props  # type: ignore[attr-defined]
    scanning = known(get(props, "imageScanningConfiguration") or {}, "imageScanningConfiguration")
    if known(get(scanning, "scanOnPush"), "imageScanningConfiguration.scanOnPush") is True:
        return
    name = str(known(get(props, "name"), "name") or repo.name)  # type: ignore[attr-defined]
    if any(fnmatch(name, f) for f in filters):
        return
    report(f"ECR repository '{name}' does not scan images: set imageScanningConfiguration.scanOnPush=true, or "
           "cover it with enhanced scanning (aws.ecr.RegistryScanningConfiguration, scanType ENHANCED).",
           repo.urn)  # type: ignore[attr-defined]


METADATA = RuleMetadata(
    id="G1",
    aws_control="Amazon ECR image scanning (basic, or enhanced with Amazon Inspector)",
    cis=("5.1.1",),
    bpg=("image: Scan images for vulnerabilities regularly",),
    checkov=("CKV_AWS_163",),
    pcp=("aws-ecr-repository-enable-image-scan", "aws-ecr-repository-configure-image-scan"),
)

enable_image_scan = StackValidationPolicy(
    name="aws-ecr-repository-enable-image-scan",
    description="ECR repositories must scan images on push or be covered by enhanced scanning.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("ecr", "supply-chain"),
    remediation_steps="Set scanOnPush=true or add an ENHANCED registry scanning rule covering the repository.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html",
)
