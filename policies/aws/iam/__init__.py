"""Policies for aws:iam resources."""
