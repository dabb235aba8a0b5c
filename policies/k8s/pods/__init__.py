"""Policies for pod security: the pod specs of every workload kind (J1-J12)."""
