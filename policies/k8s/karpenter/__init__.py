"""Karpenter v1 and EKS Auto Mode custom resources: NodePool, EC2NodeClass, NodeClass (the M rules)."""
