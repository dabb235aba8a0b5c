"""Policies for aws:ecr resources."""
