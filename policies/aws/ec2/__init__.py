"""Policies for aws:ec2 resources."""
