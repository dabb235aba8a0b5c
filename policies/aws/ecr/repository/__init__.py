"""Policies for aws:ecr:repository resources."""
