"""Files a citizen attaches to a message: checked by their content, cleaned, stored apart.

- The type comes from the first bytes (JPEG, PNG or PDF magic), never from the name; only the
  types in ATTACHMENT_TYPES are taken, at most ATTACHMENT_MAX_FILES of ATTACHMENT_MAX_BYTES each.
- Images are decoded and encoded again from their pixels alone: EXIF (GPS, camera, time),
  XMP, ICC profiles and PNG text chunks are all left behind; the EXIF orientation is applied
  first, so that a photo stays upright. A file that does not decode is refused.
- A PDF is checked for its %PDF- header and size and stored as it is: its properties (such as
  the author) are NOT removed, which would mean parsing untrusted PDFs in the web process. The
  form tells the citizen so.
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
from PIL import Image, ImageOps
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from feedback import attachment_store
from feedback.models import Attachment, Case

# kind → (media type, file extension)
MEDIA = {
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
    "pdf": ("application/pdf", "pdf"),
}
EXTENSION = {media: ext for media, ext in MEDIA.values()}
MAX_PIXELS = 50_000_000  # refuse decompression bombs long before memory runs out
FORM_ALLOWANCE = 1024 * 1024  # the rest of the submission form, beside its files


class AttachmentError(ValueError):
    """A file that cannot be taken; the message says why, in the citizen's language."""


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


def clean_all(uploads: Iterable[FileStorage]) -> list[CleanFile]:
    """Check and clean the files chosen (empty file inputs are ignored); AttachmentError if not."""
    config = current_app.config
    chosen = [u for u in uploads if isinstance(u, FileStorage) and u.filename]
    if len(chosen) > config["ATTACHMENT_MAX_FILES"]:
        raise AttachmentError(_l("Attach at most %(n)d files.", n=config["ATTACHMENT_MAX_FILES"]))
    return [clean(u) for u in chosen]


def clean(upload: FileStorage) -> CleanFile:
    config = current_app.config
    limit = config["ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise AttachmentError(_l("Each file can be at most %(mb)d MB.", mb=limit // (1024 * 1024)))
    kind = sniff(data[:16])
    if not data or kind is None or kind not in config["ATTACHMENT_TYPES"]:
        raise AttachmentError(
            _l(
                "Attach photos (JPG or PNG) or PDF documents only; %(name)s is not one.",
                name=_display_name(upload.filename or ""),
            )
        )
    if kind in ("jpeg", "png"):
        data = reencode(data, kind)
    return CleanFile(kind=kind, data=data)


def reencode(data: bytes, kind: str) -> bytes:
    """Decode an image and encode its pixels again, with no metadata at all."""
    damaged = AttachmentError(_l("A picture could not be read. It may be damaged: try another."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.upper()]) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise damaged
                opened.load()
                image = ImageOps.exif_transpose(opened)
                wanted = ("L", "RGB") if kind == "jpeg" else ("L", "LA", "RGB", "RGBA")
                if image.mode not in wanted:
                    alpha = kind == "png" and (
                        image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                    )
                    image = image.convert("RGBA" if alpha else "RGB")
                # A new image from the pixels alone: no EXIF, XMP, ICC profile or text chunk.
                bare = Image.frombytes(image.mode, image.size, image.tobytes())
                out = io.BytesIO()
                if kind == "jpeg":
                    bare.save(out, "JPEG", quality=90)
                else:
                    bare.save(out, "PNG")
                return out.getvalue()
    except AttachmentError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning) as error:
        raise damaged from error


def store(session: Session, case: Case, files: Sequence[CleanFile]) -> None:
    """Add the files to the case under random names, in the configured store.

    They are kept only if the caller's transaction commits: a rollback leaves no file behind.
    """
    place = attachment_store.current()
    for number, file in enumerate(files, start=1):
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


def send(session: Session, case: Case, attachment: Attachment) -> Response:
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
