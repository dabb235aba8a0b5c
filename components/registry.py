"""Registry: private ECR repositories for the platform's workloads.

Children (parented to the component):

* ``{name}-key``: a KMS key with rotation encrypting every repository (protected when ``protect``);
* per repository ``<repo>`` (keyed by a stable name): ``{name}-<repo>`` (immutable tags, scan on push,
  KMS encryption; protected when ``protect``), ``{name}-<repo>-lifecycle`` (expire untagged images after
  ``untagged_expiry_days``, keep the newest ``keep_images`` tagged ones) and ``{name}-<repo>-policy``
  (pull only for principals of this account, or of the organisation when ``organization_id`` is set).

The node role and the Fargate pod execution role already carry ``AmazonEC2ContainerRegistryReadOnly``,
so nodes and Fargate pods can pull; the repository policy adds nothing broader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ._kms import key_policy
from ._tags import merged_tags

TYPE_TOKEN = "eks-platform:components:Registry"
_REPO_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]


@dataclass(frozen=True)
class RepositoryArgs:
    """One repository."""

    keep_images: int = 50
    """Tagged images kept; older ones expire."""
    untagged_expiry_days: int = 7
    """Days before untagged images expire."""

    def __post_init__(self) -> None:
        if not 1 <= self.keep_images <= 1000 or not 1 <= self.untagged_expiry_days <= 365:
            raise ValueError("RepositoryArgs: keep_images 1..1000 and untagged_expiry_days 1..365")


@dataclass(frozen=True)
class RegistryArgs:
    """Inputs of :class:`Registry`."""

    repositories: Mapping[str, RepositoryArgs]
    """Repositories keyed by name (stable: it is part of resource names and image URLs)."""
    name_prefix: str = ""
    """Prefix of every repository's physical name, ``<prefix>/<name>`` (e.g. the stack): environments
    sharing an account and a region never claim the same repository."""
    organization_id: pulumi.Input[str] | None = None
    """Allow pulls from every account of this AWS Organization (``o-...``); default: this account only."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for repo in self.repositories:
            if not _REPO_NAME.match(repo) or len(repo) > 256:
                raise ValueError(f"RegistryArgs.repositories: {repo!r} is not a valid ECR repository name "
                                 "(lowercase, digits, . _ - and / separators)")
        if self.name_prefix and not _REPO_NAME.match(self.name_prefix):
            raise ValueError(f"RegistryArgs.name_prefix: {self.name_prefix!r} is not a valid ECR name part")
        if isinstance(self.organization_id, str) and not re.match(r"^o-[a-z0-9]{10,32}$", self.organization_id):
            raise ValueError(f"RegistryArgs.organization_id: {self.organization_id!r} is not an organization id (o-...)")


class Registry(pulumi.ComponentResource):
    """Private, encrypted, scanned ECR repositories with immutable tags and lifecycle rules."""

    repository_urls: pulumi.Output[dict[str, str]]
    """Image URL prefix by repository name, for workloads."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        base = dict(args.tags)
        account = aws.get_caller_identity().account_id
        partition = aws.get_partition().partition
        protected = pulumi.ResourceOptions(parent=self, protect=args.protect)
        key = aws.kms.Key(f"{name}-key", description="Encryption of ECR repositories", enable_key_rotation=True,
                          deletion_window_in_days=30, policy=key_policy(partition, account),
                          tags=merged_tags(base, f"{name}-key"),
                          opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))
        urls: dict[str, pulumi.Output[str]] = {}
        for repo in sorted(args.repositories):
            spec = args.repositories[repo]
            logical = f"{name}-{repo.replace('/', '-')}"
            repository = aws.ecr.Repository(
                logical, name=f"{args.name_prefix}/{repo}" if args.name_prefix else repo,
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": True},
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}],
                tags=merged_tags(base, repo), opts=protected)
            aws.ecr.LifecyclePolicy(f"{logical}-lifecycle", repository=repository.name, policy=json.dumps({"rules": [
                {"rulePriority": 1, "description": f"expire untagged images after {spec.untagged_expiry_days} days",
                 "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                               "countNumber": spec.untagged_expiry_days}, "action": {"type": "expire"}},
                {"rulePriority": 2, "description": f"keep the newest {spec.keep_images} tagged images",
                 "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                               "countNumber": spec.keep_images}, "action": {"type": "expire"}},
            ]}), opts=pulumi.ResourceOptions(parent=self))
            aws.ecr.RepositoryPolicy(f"{logical}-policy", repository=repository.name,
                                     policy=pulumi.Output.from_input(args.organization_id).apply(
                                         lambda org: pull_policy(partition, account, org)),
                                     opts=pulumi.ResourceOptions(parent=self))
            urls[repo] = repository.repository_url
        self.repository_urls = pulumi.Output.all(**urls) if urls else pulumi.Output.from_input({})
        self.register_outputs({"repository_urls": self.repository_urls})


def pull_policy(partition: str, account: str, organization_id: str | None) -> str:
    """Pull access for this account's principals (or the organisation's), never the public."""
    if organization_id:
        statement = {"Sid": "OrganizationPull", "Effect": "Allow", "Principal": "*", "Action": PULL_ACTIONS,
                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}}}
    else:
        statement = {"Sid": "AccountPull", "Effect": "Allow",
                     "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}, "Action": PULL_ACTIONS}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
