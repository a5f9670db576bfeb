"""Peak memory of one gunicorn worker sent the worst attachments we can make.

    .venv/bin/python -m bench.attachment_memory

Serves the service with gunicorn.conf.py and one worker on a fresh SQLite database, then posts
each file (or set of files) twice: as a routing preview, which stores nothing, and as a
submission. Before each request the worker's peak resident size (VmHWM) is reset through
/proc/PID/clear_refs; after it, the peak is read back. Prints one line per request: the answer
(a receipt, or the message beside the file field) and the peak in MB. Not part of `make test`.
"""

import io
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from public_helpers import valid_form  # noqa: E402  (one copy of a valid form)
from served import BIN, Citizen, gunicorn  # noqa: E402

MB = 1024 * 1024


def png(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **params)
    return out.getvalue()


def jpeg(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **params)
    return out.getvalue()


def upright_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90°, so that decoding holds two copies
    return exif


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size and holds almost no data: the classic bomb."""
    chunk: Callable[[bytes, bytes], bytes] = lambda kind, data: (  # noqa: E731
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width * 4 + 1) * 16, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def jpeg_header_only(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims width × height pixels."""
    data = bytearray(jpeg(Image.new("RGB", (16, 16), "white")))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_text_bomb() -> bytes:
    """Compressed text chunks before the pixels: each inflates to 1 MB while the header is read."""
    base = png(Image.new("RGB", (8, 8)))
    text = zlib.compress(b"A" * (MB - 16), 9)
    chunks = b""
    for n in range(60):
        data = b"k%d\0\0" % n + text
        chunks += (
            struct.pack(">I", len(data))
            + b"zTXt"
            + data
            + struct.pack(">I", zlib.crc32(b"zTXt" + data))
        )
    return base[:33] + chunks + base[33:]


def pdf_bomb() -> bytes:
    """A PDF whose one stream inflates to about 10 GB."""
    stream = zlib.compressobj(9)
    block = b"\0" * MB
    compressed = b"".join(stream.compress(block) for _ in range(9_800)) + stream.flush()
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Length "
        + str(len(compressed)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + compressed
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def worst_files() -> list[tuple[str, list[tuple[str, bytes]]]]:
    """(what, [(file name, content)]) — each within ATTACHMENT_MAX_BYTES."""
    side = 4560  # 20.8 megapixels: just within the per-picture budget at 8 bytes a pixel
    rgba = Image.new("RGBA", (side, side), (200, 30, 30, 128))
    rgb = Image.new("RGB", (side, side), (200, 30, 30))
    cases = [
        (
            "PNG 1-bit 7000x7000 (49 MP, the issue's file)",
            [("a.png", png(Image.new("1", (7000, 7000))))],
        ),
        (
            "three PNGs 1-bit 7000x7000",
            [(f"{n}.png", png(Image.new("1", (7000, 7000)))) for n in range(3)],
        ),
        ("PNG header 60000x60000, no data", [("b.png", png_header_only(60000, 60000))]),
        ("JPEG header 65000x65000, no data", [("c.jpg", jpeg_header_only(65000, 65000))]),
        ("PNG RGBA 20.8 MP, EXIF turned", [("d.png", png(rgba, exif=upright_exif()))]),
        ("JPEG 20.8 MP, EXIF turned", [("e.jpg", jpeg(rgb, exif=upright_exif()))]),
        (
            "PNG 16-bit grey 20.8 MP, EXIF turned",
            [("j.png", png(Image.new("I;16", (side, side), 300), exif=upright_exif()))],
        ),
        (
            "PNG palette + transparency 20.8 MP, EXIF turned",
            [("k.png", png(Image.new("P", (side, side), 3), transparency=3, exif=upright_exif()))],
        ),
        (
            "JPEG 48 MP photo, EXIF turned (decoded at 1/2)",
            [("l.jpg", jpeg(Image.new("RGB", (8000, 6000), (90, 120, 150)), exif=upright_exif()))],
        ),
        (
            "JPEG grey 12000x12000 (decoded at 1/4)",
            [("m.jpg", jpeg(Image.new("L", (12000, 12000), 128), quality=5))],
        ),
        (
            "JPEG CMYK progressive 4:4:4 10 MP",
            [
                (
                    "f.jpg",
                    jpeg(
                        Image.new("CMYK", (3200, 3200), (10, 200, 30, 0)),
                        progressive=True,
                        subsampling=0,
                    ),
                )
            ],
        ),
        (
            "two PNGs RGBA 20 MP (per-message budget)",
            [(f"g{n}.png", png(Image.new("RGBA", (4470, 4470), (1, 2, 3, 4)))) for n in range(2)],
        ),
        ("PNG with 60 MB of compressed text", [("h.png", png_text_bomb())]),
        ("PDF bomb (10 GB inflated)", [("i.pdf", pdf_bomb())]),
    ]
    for name, files in cases:
        for _file, data in files:
            assert len(data) <= 10 * MB, (name, len(data))
    return cases


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    boundary = "----bench" + os.urandom(8).hex()
    parts = []
    for key, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def post(
    citizen: Citizen, fields: dict[str, str], files: list[tuple[str, bytes]]
) -> tuple[int, str]:
    import http.client

    content_type, body = multipart({**fields, "csrf_token": citizen.token}, files)
    connection = http.client.HTTPConnection("127.0.0.1", citizen.port, timeout=120)
    headers = {
        "Content-Type": content_type,
        "Cookie": "; ".join(f"{k}={v}" for k, v in citizen.cookies.items()),
        "X-Forwarded-For": citizen.address,
    }
    try:
        connection.request("POST", "/submit", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def outcome(status: int, page: str) -> str:
    if 'id="receipt-ref"' in page:
        return "stored"
    if (
        'name="confirm_routing" type="hidden" value="1"' in page
        and 'id="attachments-error"' not in page
    ):
        return "preview"
    error = re.search(r'<p class="error" id="attachments-error">([^<]*)</p>', page)
    return f"refused: {error[1]}" if error else f"status {status}"


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> int:
    cases = worst_files()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "ATTACHMENT_DIR": f"{folder}/attachments",
            "SECRET_KEY": "bench-" + os.urandom(16).hex(),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SUBMIT_LIMITS": "1000 per hour",
            "TRUSTED_PROXIES": "1",
        }
        subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "feedback", "init"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        with gunicorn(env, Path(folder) / "gunicorn.log", workers=1) as server:
            (worker,) = server.workers()
            citizen = Citizen(server.port, "198.51.100.1")
            citizen.open_form()
            print(f"worker at rest: {rss_mb(worker):.0f} MB resident")
            for what, files in cases:
                for mode, fields in (
                    ("preview", valid_form(body="unsure")),
                    ("submission", valid_form()),
                ):
                    Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak
                    started = time.monotonic()
                    status, page = post(citizen, fields, files)
                    took = time.monotonic() - started
                    print(
                        f"{what:45} {mode:10} {peak_mb(worker):6.0f} MB peak {took:5.1f} s  "
                        f"{outcome(status, page)}"
                    )
            print(f"worker after: {rss_mb(worker):.0f} MB resident")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
