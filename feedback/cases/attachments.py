"""Files a citizen attaches to a message: checked by their content, cleaned, stored apart.

- The type comes from the first bytes (JPEG, PNG or PDF magic), never from the name; only the
  types in ATTACHMENT_TYPES are taken, at most ATTACHMENT_MAX_FILES of ATTACHMENT_MAX_BYTES each.
- Every POST of the form pays only for cheap checks (`check_all`): sizes, magic bytes, and an
  image's header, which Pillow reads without decoding the pixels. A picture whose decoding would
  need more than DECODE_BUDGET bytes (a JPEG even at an eighth of its width and height), or
  pictures whose pixels add up to more than ATTACHMENT_MAX_PIXELS, are refused there, before
  anything is decoded. A routing preview, which stores nothing and asks for the files again,
  therefore costs no decoding.
- Only the POST that stores the message decodes (`clean_all`), one picture at a time: images are
  encoded again from their pixels alone, so EXIF (GPS, camera, time), XMP, ICC profiles and PNG
  text chunks are all left behind; the EXIF orientation is applied first, so that a photo stays
  upright. A file that does not decode is refused.
- A PDF is checked for its %PDF- header and size and stored as it is, never parsed: its
  properties (such as the author) are NOT removed, and a PDF "bomb" costs nothing here. The form
  tells the citizen so.
- Files are kept under random names in the store ATTACHMENT_STORE names (attachment_store: the
  database on PostgreSQL, ATTACHMENT_DIR on SQLite), which no route serves; the citizen's file
  name is not kept. Only staff of the body that holds the case download them
  (feedback.inbox.views.attachment), always as an attachment.
"""

import io
import os
import secrets
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, PngImagePlugin
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from feedback.extensions import DbSession
from feedback.models import Attachment, Case
from feedback.storage import attachment_store

# kind → (media type, file extension)
MEDIA = {
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
    "pdf": ("application/pdf", "pdf"),
}
EXTENSION = {media: ext for media, ext in MEDIA.values()}
FORM_ALLOWANCE = 1024 * 1024  # the rest of the submission form, beside its files
# The memory one picture may take while it is decoded, estimated from its header: it bounds a
# worker's memory whatever it is sent (bench/attachment_memory.py measures the peak).
DECODE_BUDGET = 160 * 1024 * 1024
# Decoded pixels take 4 bytes each, and turning a photo upright or converting its colours holds a
# second copy for a moment; a progressive JPEG also holds 2 bytes per pixel and colour channel of
# coefficients while it decodes.
BYTES_PER_PIXEL = 8
COEFFICIENT_BYTES = 2
JPEG_REDUCTIONS = (1, 2, 4, 8)  # the scales libjpeg decodes at directly
# Pillow keeps a PNG's text chunks in memory while it reads the header (64 MB by default); we
# drop them anyway.
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024
MEGAPIXEL = 1_000_000


class AttachmentError(ValueError):
    """A file that cannot be taken; the message says why, in the citizen's language."""


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the cheap checks; a picture's pixels are not decoded yet."""

    kind: str  # a key of MEDIA
    data: bytes
    pixels: int  # the pixels it decodes to, from its header; 0 for a PDF
    reduce: int = 1  # a JPEG too large for the budget is decoded at 1/2, 1/4 or 1/8 of its size


@dataclass(frozen=True)
class CleanFile:
    kind: str  # a key of MEDIA
    data: bytes


def request_limit() -> int:
    """The largest submission request: every file at its largest, and the form."""
    config = current_app.config
    return config["ATTACHMENT_MAX_FILES"] * config["ATTACHMENT_MAX_BYTES"] + FORM_ALLOWANCE


def sniff(head: bytes) -> str | None:
    """Tell a file's kind from its first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def check_all(uploads: Iterable[FileStorage]) -> list[CheckedFile]:
    """Check the files chosen without decoding them (empty inputs are ignored); AttachmentError if not."""
    config = current_app.config
    chosen = [u for u in uploads if isinstance(u, FileStorage) and u.filename]
    if len(chosen) > config["ATTACHMENT_MAX_FILES"]:
        raise AttachmentError(_l("Attach at most %(n)d files.", n=config["ATTACHMENT_MAX_FILES"]))
    checked = [check(u) for u in chosen]
    pixels = sum(file.pixels for file in checked)
    if pixels > config["ATTACHMENT_MAX_PIXELS"]:
        raise AttachmentError(
            _l(
                "Together the pictures are too large to be read (%(mp)d megapixels; at most "
                "%(max)d). Attach fewer or smaller photos.",
                mp=-(-pixels // MEGAPIXEL),
                max=config["ATTACHMENT_MAX_PIXELS"] // MEGAPIXEL,
            )
        )
    return checked


def check(upload: FileStorage) -> CheckedFile:
    config = current_app.config
    limit = config["ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise AttachmentError(_l("Each file can be at most %(mb)d MB.", mb=limit // (1024 * 1024)))
    kind = sniff(data[:16])
    name = _display_name(upload.filename or "")
    if not data or kind is None or kind not in config["ATTACHMENT_TYPES"]:
        raise AttachmentError(
            _l("Attach photos (JPG or PNG) or PDF documents only; %(name)s is not one.", name=name)
        )
    if kind == "pdf":
        return CheckedFile(kind=kind, data=data, pixels=0)
    pixels, reduce = _decoding(data, kind, name)
    return CheckedFile(kind=kind, data=data, pixels=pixels, reduce=reduce)


def _decoding(data: bytes, kind: str, name: str) -> tuple[int, int]:
    """Read a picture's header alone: the pixels it will decode to, and by what it is reduced.

    A JPEG too large to decode in full within the budget is decoded at a half, a quarter or an
    eighth of its width and height, which libjpeg does at little cost (a 48-megapixel photo is
    stored at 12); anything that still does not fit is refused.
    """
    too_large = AttachmentError(
        _l(
            "The picture %(name)s is too large to be read. Send a smaller photo, such as one "
            "taken at the camera's usual size, or a screenshot.",
            name=name,
        )
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the budget decides
            with Image.open(io.BytesIO(data), formats=[kind.upper()]) as opened:
                width, height = opened.size
                coefficients = 0
                if opened.info.get("progressive"):
                    coefficients = width * height * COEFFICIENT_BYTES * len(opened.getbands())
    except Image.DecompressionBombError as error:
        raise too_large from error
    except (OSError, SyntaxError, ValueError) as error:
        raise _damaged() from error
    for reduce in JPEG_REDUCTIONS if kind == "jpeg" else (1,):
        pixels = -(-width // reduce) * -(-height // reduce)
        if pixels * BYTES_PER_PIXEL + coefficients <= DECODE_BUDGET:
            return pixels, reduce
    raise too_large


def clean_all(files: Iterable[CheckedFile]) -> list[CleanFile]:
    """Decode and re-encode the pictures, one at a time, when the message is stored."""
    return [
        CleanFile(
            kind=f.kind, data=f.data if f.kind == "pdf" else reencode(f.data, f.kind, f.reduce)
        )
        for f in files
    ]


def reencode(data: bytes, kind: str, reduce: int = 1) -> bytes:
    """Decode an image (a JPEG reduced by `reduce`) and encode its pixels again, with no metadata."""
    try:
        with warnings.catch_warnings():
            # check() weighed the header against the budget; Pillow's own threshold is not ours.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.upper()]) as opened:
                if reduce > 1:
                    opened.draft(None, (opened.width // reduce, opened.height // reduce))
                opened.load()
                image = _upright_in_wanted_mode(opened, kind)
                # save() writes only what the image's info and its own arguments hold: with
                # the info emptied, no EXIF, XMP, ICC profile, comment or text chunk remains.
                image.info.clear()
                out = io.BytesIO()
                if kind == "jpeg":
                    image.save(out, "JPEG", quality=90)
                else:
                    image.save(out, "PNG")
                return out.getvalue()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning) as error:
        raise _damaged() from error


def _upright_in_wanted_mode(image: Image.Image, kind: str) -> Image.Image:
    """Apply the EXIF orientation and bring the pixels to a mode the format stores plainly.

    Each step replaces the image rather than keeping the old one, so that at most two copies of
    the pixels exist at once.
    """
    ImageOps.exif_transpose(image, in_place=True)
    wanted = ("L", "RGB") if kind == "jpeg" else ("L", "LA", "RGB", "RGBA")
    if image.mode in wanted:
        return image
    if image.mode == "1":
        return image.convert("L")
    alpha = kind == "png" and (image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info)
    return image.convert("RGBA" if alpha else "RGB")


def _damaged() -> AttachmentError:
    return AttachmentError(_l("A picture could not be read. It may be damaged: try another."))


def store(session: DbSession, case: Case, files: Sequence[CleanFile]) -> None:
    """Add the files to the case under random names, in the configured store, numbered after
    those it has (补充材料 adds files to a case that may have some).

    They are kept only if the caller's transaction commits: a rollback leaves no file behind.
    """
    if not files:  # most messages: nothing to number, no need to load the case's files
        return
    place = attachment_store.current()
    first = max((a.number for a in case.attachments), default=0) + 1
    for number, file in enumerate(files, start=first):
        attachment = Attachment(
            number=number,
            stored_name=secrets.token_hex(16),
            media_type=MEDIA[file.kind][0],
            size=len(file.data),
        )
        case.attachments.append(attachment)
        place.put(session, attachment, file.data)
    session.flush()


def download_name(case: Case, attachment: Attachment) -> str:
    """The name a download gets: the case's reference and the file's number, 2026-11-000001-1.jpg."""
    return f"{case.reference}-{attachment.number}.{EXTENSION.get(attachment.media_type, 'bin')}"


def send(session: DbSession, case: Case, attachment: Attachment) -> Response:
    """Send a stored file as a download, never to be shown in the browser."""
    response = send_file(
        attachment_store.current().open(session, attachment),
        mimetype=attachment.media_type,
        as_attachment=True,
        download_name=download_name(case, attachment),
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.content_length = attachment.size
    return response


def _display_name(name: str) -> str:
    """A file name cut short for a message (it is escaped where shown)."""
    name = os.path.basename(name.replace("\\", "/"))
    return name if len(name) <= 40 else name[:37] + "…"
