"""Policies for Kubernetes storage: StorageClasses and PersistentVolumes."""
