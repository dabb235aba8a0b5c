"""Policies for aws:iam:role resources."""
