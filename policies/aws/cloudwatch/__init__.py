"""Policies for aws:cloudwatch resources."""
