"""X2 (outside the catalogue): data that cannot be lost. In a production stack every stateful resource is protected.

``protect`` makes the engine refuse to delete a resource, so no refactor, rename or mistaken config
change can replace or destroy a cluster, a key, a log group, a repository or a file system in prod. A
stack's policy config says whether it is production (``production: true`` in ``config/prod.json``); the
resource options decide, and they are known at the first preview.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import PolicyConfigSchema, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

#: Resources whose deletion loses data or history, or that cannot be recreated identically.
STATEFUL_TYPES = [
    "aws:eks/cluster:Cluster",
    "aws:kms/key:Key",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:ecr/repository:Repository",
    "aws:efs/fileSystem:FileSystem",
    "aws:fsx/lustreFileSystem:LustreFileSystem",
    "aws:fsx/ontapFileSystem:OntapFileSystem",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem",
    "aws:fsx/windowsFileSystem:WindowsFileSystem",
    "aws:ebs/volume:Volume",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:dynamodb/table:Table",
]


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    config = args.get_config()
    if not config.get("production", False):
        args.not_applicable("the stack's policy config does not mark it production")
    stateful = set(config.get("statefulTypes", STATEFUL_TYPES))
    for r in args.resources:
        if r.resource_type in stateful and not r.opts.protect:
            report(f"{r.resource_type.split(':')[-1]} '{r.name}' holds state and is not protected in this production "
                   "stack, so a refactor or a config change could replace or delete it. Set protect=True "
                   "(eks-platform: protectStatefulResources: true); to delete on purpose, unprotect it in a "
                   "reviewed change first.", r.urn)


METADATA = RuleMetadata(
    id="X2",
    aws_control="AWS service durability, which does not cover deletion by the owner: protect is the guard",
)

enable_stateful_resource_protection = StackValidationPolicy(
    name="aws-pulumi-stack-enable-stateful-protection",
    description="Stateful resources in a production stack must be protected from deletion.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("data-protection", "lifecycle", "production"),
    remediation_steps="Set protect=True on the resource (eks-platform: protectStatefulResources: true). To delete "
                      "an environment on purpose, first unprotect in a reviewed change (pulumi state unprotect or "
                      "protectStatefulResources: false), then destroy.",
    url="https://www.pulumi.com/docs/iac/concepts/options/protect/",
    config_schema=PolicyConfigSchema(properties={
        "production": {"type": "boolean", "default": False,
                       "description": "This stack is production: every stateful resource must be protected."},
        "statefulTypes": {"type": "array", "items": {"type": "string"}, "default": STATEFUL_TYPES,
                          "description": "Resource types that hold state."}}),
)
