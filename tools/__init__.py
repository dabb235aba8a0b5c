"""Generators of files that describe the code (docs tables, the architecture diagram, the stack-file JSON Schema).

Not part of the stack program (``infra/``): ``make docs`` and ``make schema`` run them.
"""
