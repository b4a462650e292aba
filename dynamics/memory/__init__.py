"""memory subpackage."""

__all__: list[str] = []
