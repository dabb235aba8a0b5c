"""I10: no CertificateSigningRequest approval (CKV_K8S_156).

``update``/``patch`` on ``certificatesigningrequests/approval`` approves CSRs, and ``approve`` on ``signers``
lets a signer's CSRs through: together they issue client certificates, for example for ``system:masters``
or a node identity, that authenticate outside IAM and cannot be revoked.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ROLES, Access, describe, grants, kind, object_name

GROUP = "certificates.k8s.io"
APPROVAL = [Access(GROUP, "certificatesigningrequests/approval", ("update", "patch")),
            Access(GROUP, "signers", ("approve",))]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    found = grants(args.props, APPROVAL)
    if found:
        report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' grants {describe(found)}: its "
               "holders can approve certificate requests, issuing client certificates that authenticate outside "
               "IAM and cannot be revoked. Remove these rules; leave approval to the control plane.")


METADATA = RuleMetadata(
    id="I10",
    aws_control=("The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane); EKS signs "
                 "kubelet certificates only through its own signers"),
    checkov=("CKV_K8S_156",),
)

disallow_csr_approval = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-csr-approval",
    description="Roles must not grant update on certificatesigningrequests/approval or approve on signers.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "rbac", "certificates"),
    remediation_steps="Remove update/patch on certificatesigningrequests/approval and approve on signers "
                      "(certificates.k8s.io) from the role.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/#csrs-and-certificate-issuing",
)
