"""analysis subpackage."""

__all__: list[str] = []
