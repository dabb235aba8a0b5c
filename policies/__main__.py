"""The eks-platform policy pack: assembly only.

Every policy defaults to ADVISORY in its own file. This pack raises the security baselines to
MANDATORY; rules that need an organisation's choice (who may be cluster admin) stay advisory until a
stack's policy config (``config/<stack>.json``, passed as ``--policy-pack-config``) supplies the
allowlist and raises them. Prod keeps every rule mandatory; dev may relax some.
"""

import gc
import os
import sys

# The analyzer deserializes every resource once per policy: tens of thousands of short-lived dicts per
# AnalyzeStack call. With the default thresholds the cyclic collector rescans the whole, growing heap many
# times per call (AnalyzeStack at 10,000 resources: 6 s, ten times the 2,000-resource time). Collect less
# often; nothing here keeps reference cycles alive for long.
gc.set_threshold(100_000, 50, 100)

# The CLI runs this file with the pack directory as the working directory; make sibling modules
# importable however the pack is started.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _deserialize_once  # noqa: E402
import _isolation  # noqa: E402
import _native  # noqa: E402
from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

_deserialize_once.install()

from aws.autoscaling.group.enforce_launch_template import enforce_launch_template  # noqa: E402
from aws.cloudwatch.loggroup.configure_kms_key import configure_kms_key as configure_log_group_kms_key  # noqa: E402
from aws.cloudwatch.loggroup.configure_retention import configure_retention  # noqa: E402
from aws.ebs.volume.enable_encryption import enable_encryption as enable_ebs_volume_encryption  # noqa: E402
from aws.ec2.launchtemplate.configure_imds_hop_limit import configure_imds_hop_limit  # noqa: E402
from aws.ec2.launchtemplate.configure_volume_cmk import configure_volume_cmk  # noqa: E402
from aws.ec2.launchtemplate.disallow_public_ip import disallow_public_ip  # noqa: E402
from aws.ec2.launchtemplate.disallow_secrets_in_user_data import disallow_secrets_in_user_data  # noqa: E402
from aws.ec2.launchtemplate.enable_volume_encryption import enable_volume_encryption  # noqa: E402
from aws.ec2.launchtemplate.enforce_imdsv2 import enforce_imdsv2  # noqa: E402
from aws.ec2.securitygroup.disallow_public_internet_ingress import disallow_public_internet_ingress  # noqa: E402
from aws.ec2.securitygroup.disallow_unrestricted_egress import disallow_unrestricted_egress  # noqa: E402
from aws.ec2.securitygroup.missing_description import missing_description  # noqa: E402
from aws.ec2.vpc.enable_flow_logs import enable_flow_logs  # noqa: E402
from aws.ecr.repository.configure_customer_managed_key import configure_customer_managed_key  # noqa: E402
from aws.ecr.repository.configure_lifecycle_policy import configure_lifecycle_policy  # noqa: E402
from aws.ecr.repository.disallow_mutable_tags import disallow_mutable_tags  # noqa: E402
from aws.ecr.repository.enable_image_scan import enable_image_scan  # noqa: E402
from aws.ecr.repositorypolicy.disallow_public_access import disallow_public_access  # noqa: E402
from aws.efs.accesspoint.enforce_posix_identity import enforce_posix_identity  # noqa: E402
from aws.efs.filesystem.configure_cmk import configure_cmk as configure_efs_cmk  # noqa: E402
from aws.efs.filesystem.disallow_one_zone import disallow_one_zone  # noqa: E402
from aws.efs.filesystem.enable_encryption import enable_encryption as enable_efs_encryption  # noqa: E402
from aws.eks.accessentry.disallow_iam_users import disallow_iam_users  # noqa: E402
from aws.eks.accessentry.disallow_system_masters import disallow_system_masters  # noqa: E402
from aws.eks.accesspolicyassociation.configure_cluster_admin_allowlist import (  # noqa: E402
    configure_cluster_admin_allowlist,
)
from aws.eks.cluster.configure_auto_mode_node_role import configure_auto_mode_node_role  # noqa: E402
from aws.eks.cluster.configure_public_access_cidrs import configure_public_access_cidrs  # noqa: E402
from aws.eks.cluster.configure_secrets_key_rotation import configure_secrets_key_rotation  # noqa: E402
from aws.eks.cluster.configure_standard_support import configure_standard_support  # noqa: E402
from aws.eks.cluster.configure_supported_version import configure_supported_version  # noqa: E402
from aws.eks.cluster.disable_creator_admin import disable_creator_admin  # noqa: E402
from aws.eks.cluster.disallow_api_endpoint_public_access import disallow_api_endpoint_public_access  # noqa: E402
from aws.eks.cluster.enable_control_plane_logging import enable_control_plane_logging  # noqa: E402
from aws.eks.cluster.enable_secrets_encryption import enable_secrets_encryption  # noqa: E402
from aws.eks.cluster.enforce_access_entry_api import enforce_access_entry_api  # noqa: E402
from aws.eks.fargateprofile.configure_minimal_pod_execution_role import (  # noqa: E402
    configure_minimal_pod_execution_role,
)
from aws.eks.fargateprofile.disallow_public_subnets import (  # noqa: E402
    disallow_public_subnets as disallow_fargate_public_subnets,
)
from aws.eks.nodegroup.configure_container_optimized_ami import configure_container_optimized_ami  # noqa: E402
from aws.eks.nodegroup.disallow_public_subnets import disallow_public_subnets  # noqa: E402
from aws.eks.nodegroup.disallow_ssh import disallow_ssh  # noqa: E402
from aws.eks.nodegroup.enable_node_repair import enable_node_repair  # noqa: E402
from aws.fsx.filesystem.configure_cmk import configure_cmk as configure_fsx_cmk  # noqa: E402
from aws.iam.policy.disallow_admin_wildcards import disallow_admin_wildcards  # noqa: E402
from aws.iam.policy.disallow_unscoped_node_actions import disallow_unscoped_node_actions  # noqa: E402
from aws.iam.role.configure_irsa_trust_scope import configure_irsa_trust_scope  # noqa: E402
from aws.iam.role.disallow_ecr_write_for_workloads import disallow_ecr_write_for_workloads  # noqa: E402
from aws.iam.role.disallow_public_trust import disallow_public_trust  # noqa: E402
from aws.kms.key.disallow_bypass_lockout_safety_check import disallow_bypass_lockout_safety_check  # noqa: E402
from aws.kms.key.disallow_disabled_key import disallow_disabled_key  # noqa: E402
from aws.kms.key.disallow_public_policy import disallow_public_policy  # noqa: E402
from aws.kms.key.enable_key_rotation import enable_key_rotation  # noqa: E402
from aws.kms.key.missing_description import missing_description as missing_key_description  # noqa: E402
from aws.kms.key.missing_policy import missing_policy as missing_key_policy  # noqa: E402
from aws.stack.enable_stateful_resource_protection import enable_stateful_resource_protection  # noqa: E402
from k8s.api.disallow_alpha_beta_versions import disallow_alpha_beta_versions  # noqa: E402
from k8s.helm.disallow_release import disallow_release  # noqa: E402
from k8s.images.configure_approved_registries import configure_approved_registries  # noqa: E402
from k8s.images.disallow_unpinned_references import disallow_unpinned_references  # noqa: E402
from k8s.karpenter.configure_disruption_budget import configure_disruption_budget  # noqa: E402
from k8s.karpenter.configure_expire_after import configure_expire_after  # noqa: E402
from k8s.karpenter.configure_limits import configure_limits  # noqa: E402
from k8s.karpenter.configure_pinned_ami import configure_pinned_ami  # noqa: E402
from k8s.karpenter.configure_volume_cmk import configure_volume_cmk as configure_node_class_volume_cmk  # noqa: E402
from k8s.karpenter.disallow_do_not_disrupt import disallow_do_not_disrupt  # noqa: E402
from k8s.karpenter.disallow_public_ip import disallow_public_ip as disallow_node_class_public_ip  # noqa: E402
from k8s.karpenter.disallow_public_subnets import (  # noqa: E402
    disallow_public_subnets as disallow_node_class_public_subnets,
)
from k8s.karpenter.enforce_imdsv2 import enforce_imdsv2 as enforce_node_class_imdsv2  # noqa: E402
from k8s.namespaces.enforce_pod_security_admission import enforce_pod_security_admission  # noqa: E402
from k8s.network.disallow_public_load_balancer import disallow_public_load_balancer  # noqa: E402
from k8s.network.enable_load_balancer_tls import enable_load_balancer_tls  # noqa: E402
from k8s.network.missing_default_deny_network_policy import missing_default_deny_network_policy  # noqa: E402
from k8s.pods.configure_minimum_uid import configure_minimum_uid  # noqa: E402
from k8s.pods.configure_restricted_pod_security import configure_restricted_pod_security  # noqa: E402
from k8s.pods.disallow_apparmor_override import disallow_apparmor_override  # noqa: E402
from k8s.pods.disallow_custom_selinux_options import disallow_custom_selinux_options  # noqa: E402
from k8s.pods.disallow_host_ipc import disallow_host_ipc  # noqa: E402
from k8s.pods.disallow_host_network import disallow_host_network  # noqa: E402
from k8s.pods.disallow_host_path import disallow_host_path  # noqa: E402
from k8s.pods.disallow_host_pid import disallow_host_pid  # noqa: E402
from k8s.pods.disallow_host_port import disallow_host_port  # noqa: E402
from k8s.pods.disallow_privilege_escalation import disallow_privilege_escalation  # noqa: E402
from k8s.pods.disallow_privileged import disallow_privileged  # noqa: E402
from k8s.pods.disallow_probe_host import disallow_probe_host  # noqa: E402
from k8s.pods.disallow_restricted_volume_types import disallow_restricted_volume_types  # noqa: E402
from k8s.pods.disallow_unmasked_proc_mount import disallow_unmasked_proc_mount  # noqa: E402
from k8s.pods.disallow_unsafe_sysctls import disallow_unsafe_sysctls  # noqa: E402
from k8s.pods.enable_read_only_root_filesystem import enable_read_only_root_filesystem  # noqa: E402
from k8s.pods.enable_seccomp_profile import enable_seccomp_profile  # noqa: E402
from k8s.pods.enforce_minimal_capabilities import enforce_minimal_capabilities  # noqa: E402
from k8s.pods.enforce_run_as_non_root import enforce_run_as_non_root  # noqa: E402
from k8s.rbac.configure_cluster_admin_binding_allowlist import (  # noqa: E402
    configure_cluster_admin_binding_allowlist,
)
from k8s.rbac.disallow_anonymous_bindings import disallow_anonymous_bindings  # noqa: E402
from k8s.rbac.disallow_csr_approval import disallow_csr_approval  # noqa: E402
from k8s.rbac.disallow_default_service_account_binding import (  # noqa: E402
    disallow_default_service_account_binding,
)
from k8s.rbac.disallow_escalation_verbs import disallow_escalation_verbs  # noqa: E402
from k8s.rbac.disallow_exec_and_node_proxy import disallow_exec_and_node_proxy  # noqa: E402
from k8s.rbac.disallow_persistent_volume_create import disallow_persistent_volume_create  # noqa: E402
from k8s.rbac.disallow_pod_creation import disallow_pod_creation  # noqa: E402
from k8s.rbac.disallow_secrets_read import disallow_secrets_read  # noqa: E402
from k8s.rbac.disallow_service_account_token_create import disallow_service_account_token_create  # noqa: E402
from k8s.rbac.disallow_service_status_write import disallow_service_status_write  # noqa: E402
from k8s.rbac.disallow_webhook_configuration_write import disallow_webhook_configuration_write  # noqa: E402
from k8s.rbac.disallow_wildcards import disallow_wildcards  # noqa: E402
from k8s.storage.configure_ebs_cmk import configure_ebs_cmk  # noqa: E402
from k8s.storage.enable_ebs_encryption import enable_ebs_encryption  # noqa: E402
from k8s.storage.enable_efs_in_transit_encryption import enable_efs_in_transit_encryption  # noqa: E402
from k8s.workloads.configure_replicas_and_pdb import configure_replicas_and_pdb  # noqa: E402
from k8s.workloads.configure_resources import configure_resources  # noqa: E402
from k8s.workloads.configure_secrets_as_files import configure_secrets_as_files  # noqa: E402
from k8s.workloads.disable_service_account_token_automount import (  # noqa: E402
    disable_service_account_token_automount,
)
from k8s.workloads.disallow_bare_pods import disallow_bare_pods  # noqa: E402
from k8s.workloads.disallow_default_namespace import disallow_default_namespace  # noqa: E402
from k8s.workloads.disallow_default_service_account import disallow_default_service_account  # noqa: E402
from k8s.workloads.disallow_literal_secrets_in_env import disallow_literal_secrets_in_env  # noqa: E402

#: Security baselines: mandatory unless a stack's policy config says otherwise.
MANDATORY_BASELINE = [
    disallow_public_internet_ingress, enable_flow_logs,
    disallow_unrestricted_egress, configure_retention, configure_log_group_kms_key,
    enable_key_rotation, disallow_public_policy, disallow_bypass_lockout_safety_check, missing_key_policy,
    disallow_disabled_key,
    disallow_api_endpoint_public_access, configure_public_access_cidrs, enable_secrets_encryption,
    configure_secrets_key_rotation, enable_control_plane_logging, configure_supported_version,
    enforce_access_entry_api, disable_creator_admin,
    disallow_system_masters, disallow_iam_users, disallow_anonymous_bindings,
    configure_irsa_trust_scope, disallow_admin_wildcards, disallow_public_trust,
    disallow_wildcards, disallow_secrets_read, disallow_escalation_verbs, disallow_default_service_account_binding,
    # RBAC completion (I4 I6 I7 I8 I9 I10 I11) and Kubernetes network (E4 E6 E7)
    disallow_pod_creation, disallow_exec_and_node_proxy, disallow_webhook_configuration_write,
    disallow_service_account_token_create, disallow_persistent_volume_create, disallow_csr_approval,
    disallow_service_status_write,
    missing_default_deny_network_policy, enable_load_balancer_tls,
    enforce_imdsv2, configure_imds_hop_limit, disallow_public_ip, disallow_public_subnets, enable_volume_encryption,
    configure_volume_cmk, disallow_ssh, disallow_secrets_in_user_data, configure_container_optimized_ami,
    enforce_launch_template, disallow_fargate_public_subnets, configure_minimal_pod_execution_role,
    enable_image_scan, disallow_mutable_tags, configure_customer_managed_key, disallow_public_access,
    disallow_ecr_write_for_workloads, enable_stateful_resource_protection,
    # Storage (F1 F2 F4 F5 F6 F7 F8 F9 F11)
    enable_ebs_encryption, configure_ebs_cmk, enable_ebs_volume_encryption, enable_efs_encryption, configure_efs_cmk,
    enable_efs_in_transit_encryption, enforce_posix_identity, disallow_one_zone, configure_fsx_cmk,
    # Pod Security Standards (J1 J2 J3 J4 J5 J6 J8 J9 J11 J12 X191-X196), each at its namespace's level
    disallow_privileged, disallow_host_pid, disallow_host_ipc, disallow_host_network, disallow_privilege_escalation,
    enforce_run_as_non_root, enforce_minimal_capabilities, enable_seccomp_profile,
    disallow_host_path, disallow_host_port, disallow_apparmor_override, disallow_custom_selinux_options,
    disallow_unmasked_proc_mount, disallow_unsafe_sysctls, disallow_probe_host, disallow_restricted_volume_types,
    # Workload hygiene (J13 J14 J15 J16 J19 J22 J23 J27 G8)
    configure_resources, disable_service_account_token_automount, disallow_default_service_account,
    disallow_literal_secrets_in_env, disallow_bare_pods, enforce_pod_security_admission,
    disallow_default_namespace, disallow_alpha_beta_versions, disallow_unpinned_references,
    # Node provisioning: Karpenter and EKS Auto Mode (M1-M7 M9 M10 M12); M5 fires only where the stack's policy
    # config sets requirePinnedAmiAlias
    enforce_node_class_imdsv2, configure_node_class_volume_cmk, disallow_node_class_public_ip,
    disallow_node_class_public_subnets, configure_pinned_ami, configure_limits, configure_expire_after,
    disallow_do_not_disrupt, configure_auto_mode_node_role, disallow_unscoped_node_actions,
]
#: Advisory: low severity, cost or lifecycle rather than security, or an allowlist only the organisation can
#: provide (advisory until configured).
ADVISORY = [missing_description, missing_key_description, configure_standard_support, configure_lifecycle_policy,
            configure_cluster_admin_allowlist,
            configure_cluster_admin_binding_allowlist,
            # G7 approved registries (until a stack's config lists them), J16 secrets as files (advice), L1 Helm
            # Releases (a Release is sometimes the right tool)
            configure_approved_registries, configure_secrets_as_files, disallow_release,
            # Reliability and organisation choices until a stack's config raises them: J20 replicas and budgets,
            # E7 public load balancers (the allowlist is the organisation's); hardening beyond the Pod Security
            # Standards: J7 read-only root, X198 UID floor; X197 restricted advice on baseline namespaces
            configure_replicas_and_pdb, disallow_public_load_balancer, enable_read_only_root_filesystem,
            configure_minimum_uid, configure_restricted_pod_security,
            # M8 disruption budget (Karpenter's default budget applies when unset), M11 node repair (availability)
            configure_disruption_budget, enable_node_repair]

PolicyPack(
    name="eks-platform",
    description="eks-platform guardrails for the customer side of the EKS shared-responsibility model.",
    enforcement_level=EnforcementLevel.ADVISORY,
    initial_config={p.name: EnforcementLevel.MANDATORY for p in MANDATORY_BASELINE},
    # aws-native resources are judged by the rules of their pulumi-aws equivalents; a rule that raises on one
    # resource reports a violation naming it instead of failing the whole run.
    policies=_isolation.isolate_all(_native.cover_all(MANDATORY_BASELINE + ADVISORY)),
)
