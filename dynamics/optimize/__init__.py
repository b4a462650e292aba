"""optimize subpackage."""

__all__: list[str] = []
