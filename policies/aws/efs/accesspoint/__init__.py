"""Policies for aws:efs/accessPoint resources."""
