"""Policies for aws:eks:accessentry resources."""
