"""Markers the Pulumi wire format uses for special property values (see ``pulumi/runtime/rpc.py``)."""

SIG_KEY = "4dabf18193072939515e22adb298388d"
"""Key that marks a map as a special value; its value says which kind."""
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The string that stands for a value not known until the resource exists."""
