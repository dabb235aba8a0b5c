"""Policies for aws:eks resources."""
