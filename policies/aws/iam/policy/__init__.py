"""Policies for aws:iam:policy resources."""
