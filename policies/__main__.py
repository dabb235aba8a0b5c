"""The eks-platform policy pack: assembly only.

Every policy defaults to ADVISORY in its own file; this pack raises the security baselines to
MANDATORY. Each environment then sets levels and values through its policy config file
(``config/<stack>.json``, passed as ``--policy-pack-config``): prod keeps every rule mandatory, dev may
relax the ones that cost money or time to satisfy.
"""

import os
import sys

# The CLI runs this file with the pack directory as the working directory; make sibling modules
# importable however the pack is started.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from aws.ec2.securitygroup.disallow_public_internet_ingress import disallow_public_internet_ingress  # noqa: E402
from aws.ec2.securitygroup.missing_description import missing_description  # noqa: E402
from aws.ec2.vpc.enable_flow_logs import enable_flow_logs  # noqa: E402

POLICIES = [disallow_public_internet_ingress, missing_description, enable_flow_logs]

#: Security baselines: mandatory unless a stack's policy config says otherwise.
MANDATORY_BASELINE = [disallow_public_internet_ingress.name, enable_flow_logs.name]

PolicyPack(
    name="eks-platform",
    description="eks-platform guardrails for the customer side of the EKS shared-responsibility model.",
    enforcement_level=EnforcementLevel.ADVISORY,
    initial_config={name: EnforcementLevel.MANDATORY for name in MANDATORY_BASELINE},
    policies=POLICIES,
)
