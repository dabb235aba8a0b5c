"""Policies for aws:efs resources."""
