"""Small value classes without the import cost of ``dataclasses``, and a SHA-256 without OpenSSL.

``@dataclass`` compiles ``__init__``, ``__repr__``, ``__eq__`` (and ``__hash__``, ``__setattr__``
when frozen) with ``exec`` for every class, about 0.4 ms each, and imports ``inspect``; with some
thirty such classes on the path of every `recipelint check` that was a fifth of a cold run's own
cost. A :class:`Record` subclass names its fields in ``_fields`` (usually also its ``__slots__``)
and writes its ``__init__`` by hand; ``==`` and ``repr`` behave as a dataclass's do: equal when
of the same class with equal fields, ``Name(field=value, ...)``. :class:`Frozen` records are
hashable by their fields, as a frozen dataclass is (nothing stops assignment, but nothing
assigns to them).
"""

from __future__ import annotations


class Record:
    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple:
        return tuple([getattr(self, n) for n in self._fields])

    def __repr__(self) -> str:
        inner = ", ".join([f"{n}={getattr(self, n)!r}" for n in self._fields])
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    __hash__ = None  # like a mutable dataclass


class Frozen(Record):
    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())


def _sha256():
    """hashlib's sha256 loads OpenSSL (~2.5 ms at import); the builtin one gives the same digests."""
    try:
        from _sha2 import sha256  # Python 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.11
        except ImportError:
            from hashlib import sha256
    return sha256


sha256 = _sha256()
