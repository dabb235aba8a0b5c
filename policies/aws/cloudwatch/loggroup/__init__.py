"""Policies for aws:cloudwatch:loggroup resources."""
