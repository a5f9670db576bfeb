"""The one error a notice operation raises: what to correct, and where."""


class NoticeError(Exception):
    """A notice that cannot be stored or changed as asked; `field` says which answer to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
