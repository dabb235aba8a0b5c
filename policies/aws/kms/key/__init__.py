"""Policies for aws:kms:key resources."""
