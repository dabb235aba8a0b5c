"""Policies for aws:ebs/volume resources."""
