"""The exceptions affiche raises (the native module raises these classes)."""

from typing import Optional


class AfficheError(Exception):
    """A template, campaign, font folder or argument affiche cannot use; the message says
    which and why."""


class RenderError(AfficheError):
    """One poster could not be made: a value that cannot fit, a photo that cannot be read.

    `row` is the 1-based row of `render_many` (None for `render`), `field` the field at
    fault when there is one, `message` the full message (also `str(error)`).
    """

    def __init__(self, message: str, row: Optional[int] = None, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.field = field

    def __reduce__(self) -> "tuple[type, tuple[str, Optional[int], Optional[str]]]":
        # Picklable with its attributes (multiprocessing hands errors between processes).
        return (type(self), (self.message, self.row, self.field))
