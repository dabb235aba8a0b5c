"""Policies for aws:efs/fileSystem resources."""
