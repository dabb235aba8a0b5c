"""Workload hygiene: resources, ServiceAccounts, secrets, bare Pods, availability, namespaces (J13-J23)."""
