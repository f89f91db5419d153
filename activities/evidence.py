"""Checking uploaded evidence by name and by content."""
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError

ALLOWED = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
}


MAX_UNPACKED_BYTES = 200 * 1024 * 1024


def _office_opens(f, kind: str) -> bool:
    """Whether python-docx or openpyxl opens the file, as its readers' Word or Excel would: a zip that only
    holds the marker entry (word/document.xml, xl/workbook.xml) is not a document."""
    try:
        if kind == ".docx":
            import docx

            docx.Document(f)
        else:
            import openpyxl

            openpyxl.load_workbook(f, read_only=True).close()
    except Exception:  # any failure to parse means the file is not what its name says
        return False
    finally:
        f.seek(0)
    return True


def _sniff(f) -> str | None:
    """The file's real type from its first bytes (and, for Office files, its zip entries)."""
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(f) as z:
                names = set(z.namelist())
                unpacked = sum(info.file_size for info in z.infolist())
        except zipfile.BadZipFile:
            return None
        finally:
            f.seek(0)
        if unpacked > MAX_UNPACKED_BYTES:  # a zip bomb would fill the memory of whoever opens it
            return None
        kind = ".docx" if "word/document.xml" in names else ".xlsx" if "xl/workbook.xml" in names else None
        return kind if kind and _office_opens(f, kind) else None
    sample = f.read(64 * 1024)
    f.seek(0)
    if b"\x00" in sample:
        return None
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # a multi-byte character cut at the sample's end is fine
            return None
    return ".txt"


def evidence_file_check(f) -> None:
    """Raise ValidationError unless the file is an allowed type by name and content, and not too large."""
    name = f.name or ""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError(
            f"“{name}” is not an allowed type: use PDF, DOCX, XLSX, PNG, JPEG or plain text.", code="file_type")
    if f.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(f"“{name}” is larger than {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
                              code="file_size")
    actual = _sniff(f)
    same = {".jpg": ".jpeg", ".jpeg": ".jpg"}
    if actual != ext and same.get(actual) != ext:
        raise ValidationError(f"“{name}” does not contain what its name says: its content is not {ext[1:].upper()}.",
                              code="file_content")
    f.detected_type = ALLOWED[ext]
