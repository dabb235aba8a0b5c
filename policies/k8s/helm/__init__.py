"""Policies on Helm resources whose objects policies cannot see (L1)."""
