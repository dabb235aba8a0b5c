"""Policies for aws:ec2:vpc resources."""
