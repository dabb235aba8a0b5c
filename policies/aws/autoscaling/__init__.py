"""Policies for aws:autoscaling resources."""
