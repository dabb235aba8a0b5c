"""C6: no SSH into nodes; use SSM Session Manager (CKV_AWS_100, BPG hosts "Minimize access to worker nodes")."""

from __future__ import annotations

from _known import UNKNOWN, get, is_set, known
from _metadata import RuleMetadata
from _nodes import node_view
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
_FIX = "Remove the key and use SSM Session Manager (the node role has AmazonSSMManagedInstanceCore)."


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == NODE_GROUP:
        remote = known(get(args.props, "remoteAccess"), "remoteAccess")
        if remote:
            open_to = "from the listed groups" if is_set(remote, "sourceSecurityGroupIds") else "from anywhere"
            key = get(remote, "ec2SshKey")
            report(f"NodeGroup '{args.name}' allows SSH with key '{'(created by this stack)' if key is UNKNOWN else key}' "
                   f"{open_to}. {_FIX}")
        return
    view = node_view(args)
    if view is not None and view.ssh_key:
        report(f"{args.resource_type.split(':')[-1]} '{args.name}' installs SSH key '{view.ssh_key}' on nodes. {_FIX}")


METADATA = RuleMetadata(
    id="C6",
    aws_control="Systems Manager Session Manager, the AWS-operated, IAM-authorized and logged way onto a node",
    bpg=("hosts: Minimize access to worker nodes",),
    checkov=("CKV_AWS_100",),
)

disallow_ssh = ResourceValidationPolicy(
    name="aws-eks-nodegroup-disallow-ssh",
    description="Worker nodes must not accept SSH keys; use SSM Session Manager.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("nodes", "access"),
    remediation_steps="Remove remoteAccess/keyName/nodePublicKey.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/protecting-the-infrastructure.html",
)
