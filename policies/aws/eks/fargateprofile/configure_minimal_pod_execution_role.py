"""D2: the Fargate pod execution role is minimal (CIS EKS 5.1.3, derived; BPG iam least privilege)."""

from __future__ import annotations

from _known import UNKNOWN, Deferred, elements, get, is_set, known
from _metadata import RuleMetadata
from _resolve import referenced, referrers
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from _iam_docs import principals, statements

FARGATE = "aws:eks/fargateProfile:FargateProfile"
ROLE = "aws:iam/role:Role"
ALLOWED = ("/AmazonEKSFargatePodExecutionRolePolicy", "/AmazonEC2ContainerRegistryReadOnly")
POLICY_RESOURCES = {"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/rolePolicy:RolePolicy"}


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    profiles = [r for r in args.resources if r.resource_type == FARGATE]
    if not profiles:
        args.not_applicable("the stack has no Fargate profiles")
    # The role's ARN is unknown until it exists: the property dependency leads to the role's own inputs.
    roles = {d.urn: d for p in profiles for d in referenced(p, "podExecutionRoleArn", ROLE)}
    later = Deferred()
    for role in roles.values():
        with later.item():
            for i, st in enumerate(statements(get(role.props, "assumeRolePolicy"), "assumeRolePolicy")):
                services = principals(st).get("Service", [])
                if principals(st) and services != ["eks-fargate-pods.amazonaws.com"]:
                    report(f"pod execution role '{role.name}' trust statement {i} lets {principals(st)} assume it; "
                           "only eks-fargate-pods.amazonaws.com should.", role.urn)
        extra: list[str] = []
        with later.item():
            extra += [str(known(a, "managedPolicyArns[]")) for a in elements(get(role.props, "managedPolicyArns"))
                      if a is UNKNOWN or not str(a).endswith(ALLOWED)]
            if is_set(role.props, "inlinePolicies"):
                extra.append("inline policies")
        for r in referrers(args.resources, role, "role", *POLICY_RESOURCES):
            with later.item():
                arn = str(known(get(r.props, "policyArn"), "policyArn") or "")
                if r.resource_type.endswith("RolePolicy") or not arn.endswith(ALLOWED):
                    extra.append(arn or f"inline policy '{r.name}'")
        if extra:
            report(f"pod execution role '{role.name}' has more than the Fargate policy: {', '.join(extra)}. The pod "
                   "execution role only pulls images and writes logs; give applications their own IRSA or Pod "
                   "Identity roles.", role.urn)
    later.done()


METADATA = RuleMetadata(
    id="D2",
    aws_control="EKS Fargate: AWS assumes the pod execution role to pull images and ship logs",
    cis=("5.1.3 (derived)",),
    bpg=("iam",),
)

configure_minimal_pod_execution_role = StackValidationPolicy(
    name="aws-eks-fargateprofile-configure-minimal-pod-execution-role",
    description="Fargate pod execution roles must have only the Fargate execution policy and Fargate trust.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("fargate", "iam", "least-privilege"),
    remediation_steps="Attach only AmazonEKSFargatePodExecutionRolePolicy; trust eks-fargate-pods.amazonaws.com.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/pod-execution-role.html",
)
