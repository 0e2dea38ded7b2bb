from typing import TypeVar

T = TypeVar("T", bound=tuple[object, ...])

def occurrences(text: str, honorifics: frozenset[str], occurrence: type[T], /) -> list[T]: ...
