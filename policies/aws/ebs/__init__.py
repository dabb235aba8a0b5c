"""Policies for aws:ebs resources."""
