"""cells subpackage."""

__all__: list[str] = []
