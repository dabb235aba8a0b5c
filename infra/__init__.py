"""The eks-platform stack program and its typed configuration."""
