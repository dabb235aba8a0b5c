"""Policies for the aws:fsx file system types (Lustre, ONTAP, OpenZFS, Windows)."""
