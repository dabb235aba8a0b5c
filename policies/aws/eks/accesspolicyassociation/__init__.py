"""Policies for aws:eks:accesspolicyassociation resources."""
