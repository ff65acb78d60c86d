"""Uploaded files of attachment fields: checked, stored, found again.

Files are kept in the site's `files/` folder (or the folder `files_folder`
in site.yaml names: shared storage when several machines serve the site),
under a random key: no name a user chose ever becomes a path. The record
keeps a small description of each file (key, name, size, type, checksum).

A file's type is decided by its content where that can be told (PDF and
the usual image formats), else by its name, never by what the browser
claims; `accept` and `max_size` of the field are checked before anything
is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from officina.definitions.model import Field
from officina.errors import OfficinaError

CHUNK = 1024 * 1024
DEFAULT_MAX_SIZE = 25 * 1024 * 1024
_KEY = re.compile(r"^[a-f0-9]{32}$")
# Leading bytes of formats whose content says what they are.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# Types a browser may show inside a page of ours; everything else is only
# ever downloaded.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


class FileRefused(OfficinaError):
    """An upload that does not meet the field's limits; the message says why."""


def _sniff(head: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def safe_name(name: str) -> str:
    """The file's own name, for showing and downloading: no folders, no
    control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    name = name.strip(" .")
    return name[-200:] or "file"


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def _accepted(field: Field, kind: str, name: str) -> bool:
    if not field.accept:
        return True
    suffix = Path(name).suffix.lower()
    for wanted in field.accept:
        wanted = wanted.lower()
        if wanted.startswith(".") and suffix == wanted:
            return True
        if wanted.endswith("/*") and kind.startswith(wanted[:-1]):
            return True
        if wanted == kind:
            return True
    return False


@dataclass(frozen=True)
class FileStore:
    folder: Path

    @classmethod
    def of_site(cls, site) -> FileStore:
        configured = (site.settings or {}).get("files_folder")
        folder = Path(configured) if configured else site.path / "files"
        if not folder.is_absolute():
            folder = site.path / folder
        return cls(folder)

    def path(self, key: str) -> Path:
        if not _KEY.match(key or ""):
            raise FileRefused("that is not a file of this site")
        return self.folder / key[:2] / key

    def save(self, stream: BinaryIO, name: str, field: Field) -> dict:
        """Check and keep one upload; its description for the record."""
        name = safe_name(name)
        limit = field.max_size or DEFAULT_MAX_SIZE
        key = secrets.token_hex(16)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        digest = hashlib.sha256()
        size = 0
        head = b""
        try:
            with open(partial, "xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise FileRefused(
                            f"'{name}' is larger than {human_size(limit)}, the most "
                            f"{field.label.get()} allows"
                        )
                    if len(head) < 16:
                        head += chunk[: 16 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise FileRefused(f"'{name}' is empty")
            sniffed = _sniff(head)
            guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if guessed in {k for _s, k in _SIGNATURES} | {"image/webp"}:
                if sniffed != guessed:
                    raise FileRefused(
                        f"'{name}' is named as {guessed} but its content is not"
                    )
            kind = sniffed or guessed
            if not _accepted(field, kind, name):
                raise FileRefused(
                    f"'{name}' is a {kind} file; {field.label.get()} takes "
                    + ", ".join(field.accept)
                )
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return {
            "key": key,
            "name": name,
            "size": size,
            "type": kind,
            "sha256": digest.hexdigest(),
            "uploaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def save_file(self, stream: BinaryIO, name: str, limit: int) -> dict:
        """Keep a file that belongs to no field (an import, its error
        report): at most `limit` bytes, never empty. Its key, name and size."""
        name = safe_name(name)
        key = secrets.token_hex(16)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        size = 0
        try:
            with open(partial, "xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise FileRefused(
                            f"'{name}' is larger than {human_size(limit)}, the most "
                            "allowed here"
                        )
                    out.write(chunk)
            if size == 0:
                raise FileRefused(f"'{name}' is empty")
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return {"key": key, "name": name, "size": size}

    def open(self, key: str) -> BinaryIO:
        """A kept file, opened for reading (FileRefused if it is not there)."""
        path = self.path(key)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise FileRefused(
                "the file is missing from the site's file store"
            ) from None

    def discard(self, keys) -> None:
        """Remove files kept for a write that did not happen."""
        for key in keys:
            try:
                self.path(key).unlink(missing_ok=True)
            except FileRefused:
                continue
