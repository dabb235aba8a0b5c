"""Policies for aws:ecr:repositorypolicy resources."""
