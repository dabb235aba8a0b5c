"""Policies for aws:autoscaling:group resources."""
