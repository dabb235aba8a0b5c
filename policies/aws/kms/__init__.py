"""Policies for aws:kms resources."""
