"""The service as operators deploy it: Debian's nginx with TLS in front of gunicorn.

nginx runs on deploy/nginx.conf, the file DEPLOY.md tells operators to install, with only the
names an operator replaces (site name, certificate, ports, upstream) changed for the run. The
certificate is made for the run. `Visitor` is a small HTTPS client that behaves as a browser does
under the site's `Referrer-Policy: no-referrer`: it keeps cookies, sends the site's Origin with
every POST and never a Referer.
"""

import base64
import hashlib
import http.client
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from served import ROOT, free_port, wait_until

SITE = "feedback.test"
DEPLOYED_CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for SITE, valid for the run."""
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={SITE}",
            "-addext",
            f"subjectAltName=DNS:{SITE}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class Nginx:
    process: subprocess.Popen
    port: int
    http_port: int
    folder: Path
    cert: Path

    @property
    def origin(self) -> str:
        return f"https://{SITE}:{self.port}"

    def certificate_pin(self) -> str:
        """The certificate's key as Chromium's --ignore-certificate-errors-spki-list takes it."""
        key = subprocess.run(
            ["openssl", "x509", "-in", str(self.cert), "-noout", "-pubkey"],
            capture_output=True,
            check=True,
        ).stdout
        der = subprocess.run(
            ["openssl", "pkey", "-pubin", "-outform", "der"],
            input=key,
            capture_output=True,
            check=True,
        ).stdout
        return base64.b64encode(hashlib.sha256(der).digest()).decode()

    def error_log(self) -> str:
        return (self.folder / "error.log").read_text(errors="replace")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"nginx stopped: {self.error_log()}")
        try:
            return Visitor.of(self).get("/healthz")[0] == 200
        except OSError:
            return False


def site_configuration(upstreams: list[int], https: int, http: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with the names an operator replaces set for this run."""
    site = DEPLOYED_CONF.read_text()
    replacements = {
        "server 127.0.0.1:8000;": " ".join(f"server 127.0.0.1:{port};" for port in upstreams),
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "feedback.example.gov.cn": SITE,
        "/etc/ssl/feedback/fullchain.pem": str(cert),
        "/etc/ssl/feedback/privkey.pem": str(key),
    }
    for documented, used in replacements.items():
        assert documented in site, f"deploy/nginx.conf no longer has {documented!r}"
        site = site.replace(documented, used)
    return site


@contextmanager
def nginx(upstreams: list[int], folder: Path) -> Iterator[Nginx]:
    """Serve deploy/nginx.conf over TLS on free loopback ports, in front of `upstreams`."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = certificate(folder)
    https, http = free_port(), free_port()
    (folder / "site.conf").write_text(site_configuration(upstreams, https, http, cert, key))
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    # The main configuration Debian's nginx.conf would give, kept to what the site needs.
    (folder / "nginx.conf").write_text(
        f"""
daemon off;
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {folder / "site.conf"};
}}
"""
    )
    with (folder / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    server = Nginx(process, https, http, folder, cert)
    try:
        wait_until(server.answers, 20, "nginx")
        yield server
    finally:
        process.terminate()
        process.wait(10)


class _Connection(http.client.HTTPSConnection):
    """HTTPS to SITE on loopback: the name in SNI, the Host header and the certificate check."""

    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=SITE)  # type: ignore[attr-defined]


@dataclass
class Visitor:
    """One browser-like client: cookies kept, the site's Origin on every POST, no Referer.

    Over HTTPS to nginx when given its certificate, else over plain HTTP to `port`.
    """

    port: int
    origin: str
    cert: Path | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30
    posts: int = 0  # POSTs sent, and of them refused (status 400 or more)
    refused: int = 0

    @classmethod
    def of(cls, site: Nginx) -> "Visitor":
        return cls(site.port, site.origin, site.cert)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        connection: http.client.HTTPConnection
        if self.cert is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        else:
            context = ssl.create_default_context(cafile=str(self.cert))
            connection = _Connection(SITE, self.port, timeout=self.timeout, context=context)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            sent.setdefault("Origin", self.origin)
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
            for set_cookie in response.msg.get_all("Set-Cookie") or []:
                name, _, value = set_cookie.split(";", 1)[0].partition("=")
                self.cookies[name] = value
        finally:
            connection.close()
        if method == "POST":
            self.posts += 1
            self.refused += response.status >= 400
        return response.status, page

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def announce_upload(self, path: str, length: int) -> tuple[int, str]:
        """Offer a form of `length` bytes as curl does (Expect: 100-continue) and return the
        answer given before any of it is sent: how a too large upload is refused."""
        assert self.cert is not None
        context = ssl.create_default_context(cafile=str(self.cert))
        connection = _Connection(SITE, self.port, timeout=self.timeout, context=context)
        try:
            connection.putrequest("POST", path)
            for name, value in {
                "Origin": self.origin,
                "Content-Type": "multipart/form-data; boundary=x",
                "Content-Length": str(length),
                "Expect": "100-continue",
            }.items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def post_files(
        self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes]]
    ) -> tuple[int, str]:
        """Post a multipart form: `files` as (field name, file name, content)."""
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
            for name, value in fields.items()
        ]
        parts += [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
            for name, filename, content in files
        ]
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        content_type = f"multipart/form-data; boundary={boundary}"
        return self.request("POST", path, body, {"Content-Type": content_type})

    def post(
        self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), headers)


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of the first form on a page, as a browser would send them."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name[1]] = value[1] if value else ""
    return fields
