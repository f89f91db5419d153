"""Word and Excel evidence is checked by opening it, not only by its zip entries."""
import io
import zipfile

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from activities.evidence import evidence_file_check


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _real_docx():
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Progress of the IMG.")
    document.save(buffer)
    return buffer.getvalue()


def _real_xlsx():
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Staff days"
    workbook.save(buffer)
    return buffer.getvalue()


def test_real_word_and_excel_files_pass():
    for name, data, kind in (("minutes.docx", _real_docx(), "wordprocessingml"),
                             ("figures.xlsx", _real_xlsx(), "spreadsheetml")):
        upload = SimpleUploadedFile(name, data)
        evidence_file_check(upload)
        assert kind in upload.detected_type
        assert upload.tell() == 0  # left at the start for saving


@pytest.mark.parametrize("name, entries", [
    ("fake.docx", {"word/document.xml": "<w:document/>"}),
    ("fake.xlsx", {"xl/workbook.xml": "<workbook/>"}),
    ("broken.docx", {"[Content_Types].xml": "not xml", "word/document.xml": "<w:document/>"}),
])
def test_a_zip_with_only_the_marker_entry_is_refused(name, entries):
    with pytest.raises(ValidationError) as refused:
        evidence_file_check(SimpleUploadedFile(name, _zip(entries)))
    assert refused.value.code == "file_content"
    assert "does not contain what its name says" in refused.value.messages[0]


def test_a_zip_bomb_is_refused_without_opening_it():
    bomb = _zip({"word/document.xml": b"0" * (201 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ValidationError) as refused:
        evidence_file_check(SimpleUploadedFile("huge.docx", bomb))
    assert refused.value.code == "file_content"
