"""Policies for aws:ec2:launchtemplate resources."""
