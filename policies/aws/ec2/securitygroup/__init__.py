"""Policies for aws:ec2:securitygroup resources."""
