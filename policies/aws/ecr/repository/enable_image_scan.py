"""G1: images are scanned for vulnerabilities (CKV_AWS_163, CIS EKS 5.1.1)."""

from __future__ import annotations

from fnmatch import fnmatch

from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from _helpers import as_list

REPOSITORY = "aws:ecr/repository:Repository"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


def _enhanced_filters(args: StackValidationArgs) -> list[str]:
    filters: list[str] = []
    for r in args.resources:
        if r.resource_type == SCANNING and str(r.props.get("scanType")) == "ENHANCED":
            for rule in as_list(r.props.get("rules")):
                filters += [str(f.get("filter")) for f in as_list(rule.get("repositoryFilters"))]
    return filters


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    repositories = [r for r in args.resources if r.resource_type == REPOSITORY]
    if not repositories:
        args.not_applicable("the stack has no ECR repositories")
    filters = _enhanced_filters(args)
    for repo in repositories:
        if (repo.props.get("imageScanningConfiguration") or {}).get("scanOnPush") is True:
            continue
        name = str(repo.props.get("name") or repo.name)
        if any(fnmatch(name, f) for f in filters):
            continue
        report(f"ECR repository '{name}' does not scan images: set imageScanningConfiguration.scanOnPush=true, or "
               "cover it with enhanced scanning (aws.ecr.RegistryScanningConfiguration, scanType ENHANCED).", repo.urn)


enable_image_scan = StackValidationPolicy(
    name="aws-ecr-repository-enable-image-scan",
    description="ECR repositories must scan images on push or be covered by enhanced scanning.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=["ecr", "supply-chain", "cis-eks-5.1.1", "ckv-aws-163"],
    remediation_steps="Set scanOnPush=true or add an ENHANCED registry scanning rule covering the repository.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html",
)
