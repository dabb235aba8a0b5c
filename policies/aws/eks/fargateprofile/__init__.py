"""Policies for aws:eks:fargateprofile resources."""
