"""H4: node, Fargate and pod roles can only pull images (CIS EKS 5.1.3, 5.1.2).

A stack policy: attachments name their role through the ``role`` property dependency, and whether a role
belongs to nodes or pods is read from its trust policy.
"""

from __future__ import annotations

from _known import Deferred, elements, get, known
from _metadata import RuleMetadata
from _resolve import referenced
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from _iam_docs import principals, statements, values

ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
WRITE_MANAGED = ("/AmazonEC2ContainerRegistryFullAccess", "/AmazonEC2ContainerRegistryPowerUser",
                 "/AmazonElasticContainerRegistryPublicFullAccess")
WORKLOAD_SERVICES = {"ec2.amazonaws.com", "eks-fargate-pods.amazonaws.com", "pods.eks.amazonaws.com"}


def _is_workload_role(role: object) -> bool:
    for st in statements(get(role.props, "assumeRolePolicy"), "assumeRolePolicy"):  # type: ignore[attr-defined]
        who = principals(st)
        if set(who.get("Service", [])) & WORKLOAD_SERVICES:
            return True
        if any("oidc.eks." in p for p in who.get("Federated", [])):
            return True
    return False


def _write_actions(document: object, path: str = "policy") -> list[str]:
    found = []
    for st in statements(document, path):
        if str(st.get("Effect", "Allow")) != "Allow":
            continue
        for action in values(st, "Action"):
            a = action.lower()
            if a in ("*", "ecr:*") or a.startswith(("ecr:put", "ecr:upload", "ecr:initiatelayerupload",
                                                     "ecr:completelayerupload", "ecr:batchdeleteimage",
                                                     "ecr:delete", "ecr:setrepositorypolicy")):
                found.append(action)
    return found


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    later = Deferred()
    roles = {}
    for r in args.resources:
        if r.resource_type == ROLE:
            with later.item():
                if _is_workload_role(r):
                    roles[r.urn] = r
    if not roles:
        later.done()
        args.not_applicable("the stack has no node, Fargate or pod roles")
    for role in roles.values():
        with later.item():
            for arn in [str(known(a, "managedPolicyArns[]")) for a in elements(get(role.props, "managedPolicyArns"))]:
                if arn.endswith(WRITE_MANAGED):
                    report(f"role '{role.name}' runs nodes or pods and has {arn.rsplit('/', 1)[-1]}: a compromised "
                           "pod could overwrite images. Use AmazonEC2ContainerRegistryReadOnly.", role.urn)
            for i, inline in enumerate(elements(known(get(role.props, "inlinePolicies"), "inlinePolicies"))):
                found = _write_actions(get(inline, "policy"), f"inlinePolicies[{i}].policy")
                if found:
                    report(f"role '{role.name}' runs nodes or pods and an inline policy lets it push or delete images "
                           f"({', '.join(found)}). Grant pull actions only.", role.urn)
    for r in args.resources:
        if r.resource_type not in (ATTACHMENT, ROLE_POLICY):
            continue
        # The role's name or ARN is unknown until it exists: the ``role`` property dependency names it.
        for role in [d for d in referenced(r, "role") if d.urn in roles]:
            with later.item():
                if r.resource_type == ATTACHMENT:
                    arn = str(known(get(r.props, "policyArn"), "policyArn") or "")
                    if arn.endswith(WRITE_MANAGED):
                        report(f"'{r.name}' gives node/pod role '{role.name}' {arn.rsplit('/', 1)[-1]}. Use "
                               "AmazonEC2ContainerRegistryReadOnly; push from CI with its own role.", r.urn)
                elif found := _write_actions(get(r.props, "policy")):
                    report(f"RolePolicy '{r.name}' lets node/pod role '{role.name}' push or delete images "
                           f"({', '.join(found)}). Grant pull actions only.", r.urn)
    later.done()


METADATA = RuleMetadata(
    id="H4",
    aws_control="IAM policy evaluation and the AWS-managed AmazonEC2ContainerRegistryReadOnly policy",
    cis=("5.1.3", "5.1.2"),
    bpg=("iam",),
)

disallow_ecr_write_for_workloads = StackValidationPolicy(
    name="aws-iam-role-disallow-ecr-write-for-workloads",
    description="Node, Fargate and pod roles must have read-only access to ECR.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("iam", "ecr"),
    remediation_steps="Attach AmazonEC2ContainerRegistryReadOnly; remove full-access or push permissions.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_EKS.html",
)
