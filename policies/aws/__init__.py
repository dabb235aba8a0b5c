"""Policies for aws resources."""
