"""`flask feedback export`: the monthly export for a scheduled job, and its readable errors."""

import io
import zipfile
from datetime import datetime

import openpyxl
from conftest import body, new_case
from test_exports import BOM, HEADER, MONTH, by_reference, csv_table, received_on, xlsx_table

from feedback.models import Kind


def export(runner, *args: str):
    return runner.invoke(args=["feedback", "export", "--month", MONTH, *args])


def test_a_body_exports_its_month_to_a_file(app, runner, tmp_path):
    mine = received_on(new_case()[0], "2026-11-05 09:00")
    received_on(new_case(chosen="inspection")[0], "2026-11-05 10:00")
    received_on(new_case()[0], "2026-10-05 10:00")
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "court.csv"

    result = export(runner, "--body", "court", "--output", str(path))

    assert result.exit_code == 0, result.output
    assert result.stderr == f"1 case exported to {path}\n"
    table = csv_table(path.read_bytes())
    assert table[0] == HEADER
    assert list(by_reference(table)) == [mine.reference]
    assert [p.name for p in path.parent.iterdir()] == ["court.csv"]  # no partial file left behind


def test_without_a_body_every_body_is_exported_with_a_body_column(app, runner):
    court = received_on(new_case()[0], "2026-11-05 09:00")
    report = received_on(new_case(kind=Kind.REPORT, chosen="court")[0], "2026-11-06 09:00")
    checked = received_on(new_case(chosen="inspection")[0], "2026-11-07 09:00")

    result = export(runner)

    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(BOM)
    table = csv_table(result.stdout_bytes)
    assert table[0] == [HEADER[0], "受理机关", *HEADER[1:]]
    holders = {ref: row["受理机关"] for ref, row in by_reference(table).items()}
    assert holders == {
        court.reference: body("court").short_name,
        report.reference: body("discipline").short_name,
        checked.reference: body("inspection").short_name,
    }
    assert "3 cases exported to standard output" in result.stderr


def test_the_xlsx_format_writes_a_workbook(app, runner, tmp_path):
    received_on(new_case()[0], "2026-11-05 09:00")
    received_on(new_case()[0], "2026-11-06 09:00")
    path = tmp_path / "court.xlsx"

    result = export(runner, "--body", "court", "--format", "xlsx", "--output", str(path))

    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert zipfile.is_zipfile(io.BytesIO(data))
    table = xlsx_table(data)
    assert table[0] == HEADER and len(table) == 3
    sheet = openpyxl.load_workbook(path).active  # what a spreadsheet program opens
    assert sheet.title == MONTH
    assert [cell.value for cell in sheet[1]] == HEADER
    received = [cell.value for cell in sheet["B"][1:]]  # dates, in local time
    assert received == [datetime(2026, 11, 5, 9, 0), datetime(2026, 11, 6, 9, 0)]


def test_xlsx_goes_to_standard_output_when_it_is_redirected(app, runner):
    received_on(new_case()[0], "2026-11-05 09:00")

    result = export(runner, "--body", "court", "--format", "xlsx")

    assert result.exit_code == 0, result.output
    assert len(xlsx_table(result.stdout_bytes)) == 2


def test_an_unknown_body_is_named_with_the_known_ones(app, runner, tmp_path):
    path = tmp_path / "x.csv"

    result = export(runner, "--body", "nowhere", "--output", str(path))

    assert result.exit_code != 0
    assert "no body 'nowhere'" in result.output
    assert "court, discipline, inspection" in result.output
    assert not path.exists()


def test_an_output_in_a_missing_folder_is_refused(app, runner, tmp_path):
    result = export(runner, "--output", str(tmp_path / "missing" / "x.csv"))

    assert result.exit_code == 2
    assert "no folder" in result.output


def test_a_malformed_month_is_explained(app, runner):
    result = runner.invoke(args=["feedback", "export", "--month", "2026-13", "--body", "court"])

    assert result.exit_code == 2
    assert "'2026-13' is not a month" in result.output
    assert "YYYY-MM" in result.output


def test_an_unknown_format_is_refused_with_the_choices(app, runner):
    result = export(runner, "--format", "pdf")

    assert result.exit_code == 2
    assert "'pdf' is not one of 'csv', 'xlsx'" in result.output
