"""A small Pulumi Python program of its own, outside this repository's layout: a component in its own module
(its children get the component's source lines) and resources in the entry file, with one stack file."""

from __future__ import annotations

from pathlib import Path

NET = '''import pulumi
import pulumi_aws as aws


class Network(pulumi.ComponentResource):
    def __init__(self, name, cidr, opts=None):
        super().__init__("scratch:net:Network", name, None, opts)
        self.vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=cidr, opts=pulumi.ResourceOptions(parent=self))
        self.web = aws.ec2.SecurityGroup(
            f"{name}-web", vpc_id=self.vpc.id, description="web",
            ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"],
                      "description": "ssh"}],
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
'''

MAIN = '''import pulumi_aws as aws

from net import Network

Network("edge", "10.1.0.0/16")

open_sg = aws.ec2.SecurityGroup("admin", description="",
                                ingress=[{"protocol": "tcp", "from_port": 3389, "to_port": 3389,
                                          "cidr_blocks": ["0.0.0.0/0"]}])
'''


def write_scratch_program(root: Path, stacks: tuple[str, ...] = ("ci",)) -> Path:
    """Write the program into ``root`` (created); return it."""
    (root / "net").mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: scratch-net\nruntime: python\n")
    for stack in stacks:
        (root / f"Pulumi.{stack}.yaml").write_text("config:\n  aws:region: eu-central-1\n")
    (root / "net" / "__init__.py").write_text(NET)
    (root / "__main__.py").write_text(MAIN)
    return root


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


#: (policy, resource name) -> (file, line) the SDK reports for each violation of the scratch program.
EXPECTED = {
    ("aws-ec2-securitygroup-disallow-public-internet-ingress", "edge-web"):
        ("net/__init__.py", line_of(NET, "self.web = aws.ec2.SecurityGroup(")),
    ("aws-ec2-vpc-enable-flow-logs", "edge-vpc"): ("net/__init__.py", line_of(NET, "self.vpc = aws.ec2.Vpc(")),
    ("aws-ec2-securitygroup-disallow-public-internet-ingress", "admin"):
        ("__main__.py", line_of(MAIN, "open_sg = aws.ec2.SecurityGroup(")),
    ("aws-ec2-securitygroup-missing-description", "admin"):
        ("__main__.py", line_of(MAIN, "open_sg = aws.ec2.SecurityGroup(")),
}
