"""What Excel shows for the formats real workbooks use beyond the common ones (decision 0103,
amended by 0130): conditional sections with their own text, currency and locale prefixes,
padding and fill characters, fractional seconds and elapsed durations, the built-in formats
Excel shows otherwise than the standard lists them, month and day names in the format's
language, and the printed headers and footers of a sheet. Each expectation is Excel's
display (en-US), from Microsoft's documentation or Excel's observed behaviour as noted."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it

from engageiq_files.ingestion.number_formats import format_number, format_value
from engageiq_files.ingestion.sheets import header_footer_line, shown_text
from tests.unit.files.test_ingestion_xlsx_parts import edited, parse, text_of
from tests.unit.files.workbooks import inline, workbook_package, xlsxwriter_book

_LOSS_GAIN = '[<0]"Loss "0;"Gain "0'


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        # A condition that says "negative" makes the section's text the sign: no minus.
        (-5, _LOSS_GAIN, "Loss 5"),
        (5, _LOSS_GAIN, "Gain 5"),
        (0, _LOSS_GAIN, "Gain 0"),
        (-5, '[Red][<0]"Loss "0;[Blue]"Gain "0', "Loss 5"),
        (-5, '[<0][Red]"Loss "#,##0.00;"Gain "#,##0.00', "Loss 5.00"),
        (-1234.5, '[<=-1000]"Big loss "#,##0;[<0]"Loss "0;"Flat"', "Big loss 1,235"),
        (-12, '[<=-1000]"Big loss "#,##0;[<0]"Loss "0;"Flat"', "Loss 12"),
        (0, '[<=-1000]"Big loss "#,##0;[<0]"Loss "0;"Flat"', "Flat"),
        (0, '[>0]"Up "0;[<0]"Down "0;"Flat"', "Flat"),
        (-3, '[>0]"Up "0;[<0]"Down "0;"Flat"', "Down 3"),
        # A condition that does not imply the sign keeps the minus (Excel 16, numfmt's tests).
        (-1500, '[>=1000]#,##0,"K";0', "-1500"),
        (-1500, '[>=1000]#,##0,"K";[<0]"neg "0;0', "neg 1500"),
        (-6.3, '[>=100]"A"0;[<=0]"B"0;"C"0', "-B6"),
        (-6.3, '[<=-100]"B"0;"C"0', "C6"),
        (-5, '[<>-6]"A"0;"B"0', "-A5"),
        (-5, '[=-5]"A"0;"B"0', "A5"),
        (0, '"A-"0;[=0]"B-"0;"C-"0', "B-0"),  # a condition on the second: the first is [>0]
        (-10, '"A-"0;[<-5]"B-"0;"C-"0', "B-10"),
        (-1, '"A-"0;[<-5]"B-"0;"C-"0', "-C-1"),
        # Locale and currency prefixes, colours in any section.
        (1234.5, "[$-409]#,##0.00", "1,234.50"),
        (1234.5, "[$-en-US]#,##0.00", "1,234.50"),
        (1234.5, "[$€-407]#,##0.00", "€1,234.50"),
        (1234.5, "#,##0.00 [$€-407]", "1,234.50 €"),
        (-1234.5, "#,##0.00 [$€-407];[Red]-#,##0.00 [$€-407]", "-1,234.50 €"),
        (1234.5, "[$CHF] #,##0.00", "CHF 1,234.50"),
        (1234.5, "[$£-809]#,##0.00", "£1,234.50"),
        (-12, "[Blue]0;[Red](0);[Green]0;[Magenta]@", "(12)"),
        (12, "[Color10]0", "12"),
        # Escaped characters, padding `_x` and fill `*x`.
        (12, "0\\ \\k\\g", "12 kg"),
        (1234.5, '#,##0.00\\ "€"', "1,234.50 €"),
        (1234.5, "\\$#,##0.00", "$1,234.50"),
        (1234.5, '_($* #,##0.00_);_($* (#,##0.00);_($* "-"??_);_(@_)', "$1,234.50"),
        (-1234.5, '_($* #,##0.00_);_($* (#,##0.00);_($* "-"??_);_(@_)', "$(1,234.50)"),
        (
            1234.5,
            '_-* #,##0.00 [$€-407]_-;-* #,##0.00 [$€-407]_-;_-* "-"?? [$€-407]_-',
            "1,234.50 €",
        ),
        (5, "0*-", "5"),
        # Optional decimals leave the point (Excel shows `1.`); zeros group with commas.
        (1, "#,##0.##", "1."),
        (1234.5, "#,##0.##", "1,234.5"),
        (12.345, "00,000.00", "00,012.35"),
        # A text section is not a number's: `0.00;@` shows -5 by its first section.
        (-5, "0.00;@", "-5.00"),
        (0, '"foo";"bar";@', "foo"),
    ],
)
def test_sections_conditions_and_literals_read_as_excel_shows_them(
    value: float, code: str, shown: str
) -> None:
    assert shown_text(value, code) == shown


def test_a_conditional_section_reads_as_shown_in_a_workbook(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Results")
        styled = workbook.add_format({"num_format": '[Red][<0]"Loss "#,##0;"Gain "#,##0'})
        sheet.write_row(0, 0, ["Region", "Result"])
        sheet.write_row(1, 0, ["North", -12500], styled)
        sheet.write_row(2, 0, ["South", 8000], styled)

    rows = text_of(parse(tmp_path, xlsxwriter_book(build), "xlsx")).splitlines()
    assert rows == ["Region: North; Result: Loss 12,500", "Region: South; Result: Gain 8,000"]


@pytest.mark.parametrize(
    ("serial", "code", "shown"),
    [
        # 0.70707 of a day is 16:58:10.848 (Excel shows the fraction digits the format asks).
        (0.70707, "hh:mm:ss.000", "16:58:10.848"),
        (0.70707, "hh:mm:ss.00", "16:58:10.85"),
        (0.70707, "h:mm:ss.0", "16:58:10.8"),
        (0.70707, "mm:ss.0", "58:10.8"),
        (0.00001, "ss.00", "00.86"),
        (0.00001, "s", "1"),  # 0.864 s rounds to the second shown
        (0.99999999, "hh:mm:ss", "00:00:00"),  # 23:59:59.999 rounds up
        (1.5, "[h]:mm:ss", "36:00:00"),
        (2.25, "[mm]:ss", "3240:00"),
        (1.5, "[ss]", "129600"),
        (2.1278435, "[h]:mm:ss.000", "51:04:05.678"),
        (2.1278435, "[hh]:mm", "51:04"),
        (46095.54321, "yyyy-mm-dd hh:mm:ss.00", "2026-03-14 13:02:13.34"),
        (0.55, "h:mm a/p", "1:12 p"),
        (0.25, "h:mm A/P", "6:00 A"),
    ],
)
def test_fractional_seconds_and_elapsed_time_read_as_shown(
    serial: float, code: str, shown: str
) -> None:
    assert format_number(serial, code) == shown


@pytest.mark.parametrize(
    ("serial", "code", "shown"),
    [
        (1.5, "[<1]h:mm;[h]:mm", "36:00"),  # the section is chosen by the condition
        (0.5, "[<1]h:mm;[h]:mm", "12:00"),
        (46095.5, "dd/mm/yyyy;@", "14/03/2026"),
        (46095.5, "[$-409]d-mmm-yy;@", "14-Mar-26"),
    ],
)
def test_date_sections_are_chosen_as_excel_chooses_them(
    serial: float, code: str, shown: str
) -> None:
    assert format_number(serial, code) == shown


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (
            timedelta(days=2, hours=3, minutes=4, seconds=5, microseconds=678000),
            "[h]:mm:ss",
            "51:04:06",
        ),
        (timedelta(hours=30, seconds=1.25), "[h]:mm:ss.00", "30:00:01.25"),
        (timedelta(minutes=1500), "[mm]:ss", "1500:00"),
        (datetime(1900, 1, 2, 6, 0), "[h]:mm", "54:00"),  # serial 2.25: hours since serial 0
        (time(13, 5, 9, 456000), "hh:mm:ss.000", "13:05:09.456"),
        (time(13, 5, 9, 456000), "[h]:mm:ss", "13:05:09"),
    ],
)
def test_times_as_openpyxl_gives_them_read_as_shown(value: object, code: str, shown: str) -> None:
    assert format_value(value, code) == shown


def test_durations_and_fractional_seconds_read_as_shown_in_a_workbook(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Laps")
        sheet.write_row(0, 0, ["Driver", "Lap", "Stint", "Total"])
        sheet.write_row(1, 0, ["Ines"])
        sheet.write_number(1, 1, 83.456 / 86400, workbook.add_format({"num_format": "mm:ss.000"}))
        sheet.write_number(1, 2, 1.75, workbook.add_format({"num_format": "[h]:mm:ss"}))
        sheet.write_number(1, 3, 1.75, workbook.add_format({"num_format": "[mm]:ss"}))

    text = text_of(parse(tmp_path, xlsxwriter_book(build), "xlsx"))
    assert text == "Driver: Ines; Lap: 01:23.456; Stint: 42:00:00; Total: 2520:00"


def test_built_in_format_22_shows_a_four_digit_year_as_excel_does(tmp_path: Path) -> None:
    # [MS-OI29500] 2.1.712: "Excel defines built-in format ID ... 22: "m/d/yyyy h:mm"" where
    # ECMA-376 (and openpyxl) list "m/d/yy h:mm"; a workbook's own "m/d/yy h:mm" keeps "26".
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Events")
        sheet.write_row(0, 0, ["Event", "Starts", "Lap"])
        sheet.write(1, 0, "Kickoff")
        when = datetime(2026, 3, 14, 13, 5)
        sheet.write_datetime(1, 1, when, workbook.add_format({"num_format": 22}))
        sheet.write_number(1, 2, 83.45 / 86400, workbook.add_format({"num_format": 47}))

    text = text_of(parse(tmp_path, xlsxwriter_book(build), "xlsx"))
    assert text == "Event: Kickoff; Starts: 3/14/2026 13:05; Lap: 01:23.5"


def test_a_workbooks_own_two_digit_year_format_keeps_two_digits(tmp_path: Path) -> None:
    sheet = (
        f'<row r="1">{inline("A1", "Event")}{inline("B1", "Starts")}</row>'
        f'<row r="2">{inline("A2", "Kickoff")}<c r="B2" s="1"><v>46095.545138888891</v></c></row>'
    )
    content = workbook_package(sheet, number_format=(164, "m/d/yy h:mm"))
    assert text_of(parse(tmp_path, content, "xlsx")) == "Event: Kickoff; Starts: 3/14/26 13:05"


_SATURDAY_14_MARCH_2026 = datetime(2026, 3, 14)


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("[$-407]mmm yy", "Mär 26"),
        ("[$-407]mmmm", "März"),
        ("[$-407]ddd, d. mmm", "Sa, 14. Mär"),
        ("[$-407]dddd", "Samstag"),
        ("[$-de-DE]ddd", "Sa"),
        ("[$-40C]dddd d mmmm", "samedi 14 mars"),
        ("[$-40C]ddd d mmm", "sam. 14 mars"),
        ("[$-C0A]dddd", "sábado"),
        ("[$-C0A]ddd d mmm", "sáb 14 mar"),
        ("[$-410]dddd d mmmm", "sabato 14 marzo"),
        ("[$-410]ddd d mmm", "sab 14 mar"),
        ("[$-413]dddd d mmmm", "zaterdag 14 maart"),
        ("[$-413]ddd d mmm", "za 14 mrt"),
        ("[$-416]dddd, d mmmm", "sábado, 14 março"),
        ("[$-816]ddd d mmm", "sáb 14 mar"),
        ("[$-41D]dddd d mmmm", "lördag 14 mars"),
        ("[$-406]dddd d. mmmm", "lørdag 14. marts"),
        ("[$-414]d. mmmm", "14. mars"),
        ("[$-41E]dddd d mmmm", "เสาร์ 14 มีนาคม"),
        ("[$-41E]ddd d mmm", "ส. 14 มี.ค."),
        ("[$-th-TH]mmmm", "มีนาคม"),
        ("[$-409]ddd mmm d", "Sat Mar 14"),
        ("ddd mmm d", "Sat Mar 14"),
    ],
)
def test_names_follow_the_formats_language_full_and_abbreviated(code: str, shown: str) -> None:
    assert format_value(_SATURDAY_14_MARCH_2026, code) == shown


@pytest.mark.parametrize(
    ("month", "code", "shown"),
    [
        (5, "[$-407]mmm", "Mai"),
        (10, "[$-407]mmm", "Okt"),
        (12, "[$-407]mmm", "Dez"),
        (2, "[$-40C]mmm", "févr."),
        (7, "[$-40C]mmm", "juil."),
        (8, "[$-40C]mmmm", "août"),
        (1, "[$-C0A]mmm", "ene"),
        (5, "[$-410]mmm", "mag"),
        (6, "[$-410]mmm", "giu"),
        (10, "[$-413]mmm", "okt"),
        (2, "[$-416]mmm", "fev"),
        (10, "[$-416]mmm", "out"),
    ],
)
def test_abbreviated_months_are_the_languages_own(month: int, code: str, shown: str) -> None:
    assert format_value(datetime(2026, month, 1), code) == shown


@pytest.mark.parametrize(
    ("kind", "code", "line"),
    [
        ("oddFooter", "&LConfidential&RPage &P of &N", "Footer: Confidential | Page of"),
        ("oddHeader", '&C&"Arial,Bold"&14Q3 price list', "Header: Q3 price list"),
        ("evenFooter", "Smith && Sons&R&D &T", "Footer: Smith & Sons"),
        ("firstHeader", "&KFF0000Draft&K01+000 only", "Header: Draft only"),
        ("oddHeader", "&L&G&C&A&R&F", ""),  # fields alone: nothing a person reads as text
    ],
)
def test_header_and_footer_codes_are_removed(kind: str, code: str, line: str) -> None:
    assert header_footer_line(kind, code) == line


def test_headers_and_footers_are_read_once_per_sheet(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        for name in ("Pricing", "Archive"):
            sheet = workbook.add_worksheet(name)
            sheet.write_row(0, 0, ["Plan", "Seats"])
            sheet.write_row(1, 0, ["Granite", 83])
            sheet.set_header('&L&"Calibri,Bold"Heron Ltd && partners&RPage &P of &N')
            sheet.set_footer("&CConfidential - prices valid until 30 June 2026")
        workbook.get_worksheet_by_name("Archive").hide()

    content = edited(
        xlsxwriter_book(build),
        {
            # Excel writes the same footer for even pages when they differ only in name.
            "xl/worksheets/sheet1.xml": lambda xml: xml.replace(
                "</headerFooter>",
                "<evenFooter>&amp;CConfidential - prices valid until 30 June 2026</evenFooter>"
                "<firstHeader>&amp;CDraft for Heron</firstHeader></headerFooter>",
            ).replace("<headerFooter>", '<headerFooter differentOddEven="1" differentFirst="1">'),
        },
        {},
    )
    by_location = {s.location: s.text for s in parse(tmp_path, content, "xlsx").sections}
    assert by_location["Pricing (header/footer)"].splitlines() == [
        "Header: Heron Ltd & partners | Page of",
        "Footer: Confidential - prices valid until 30 June 2026",
        "Header: Draft for Heron",
    ]
    assert by_location["Archive (header/footer) (hidden)"].splitlines() == [
        "Header: Heron Ltd & partners | Page of",
        "Footer: Confidential - prices valid until 30 June 2026",
    ]
    assert by_location["Pricing!A2:B2"] == "Plan: Granite; Seats: 83"


def test_a_chart_sheets_header_and_footer_are_read(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        data = workbook.add_worksheet("Pipeline")
        data.write_row(0, 0, ["Quarter", "Deals"])
        data.write_column(1, 0, ["Q1", "Q2"])
        data.write_column(1, 1, [10, 20])
        chart = workbook.add_chart({"type": "column"})
        chart.add_series({"categories": "=Pipeline!$A$2:$A$3", "values": "=Pipeline!$B$2:$B$3"})
        sheet = workbook.add_chartsheet("Summary")
        sheet.set_chart(chart)
        sheet.set_footer("&LBoard pack && appendix&RPage &P")

    by_location = {
        s.location: s.text for s in parse(tmp_path, xlsxwriter_book(build), "xlsx").sections
    }
    assert by_location["Summary (header/footer)"] == "Footer: Board pack & appendix | Page"


def test_a_sheet_without_header_or_footer_has_no_such_section(tmp_path: Path) -> None:
    sheet = (
        f'<row r="1">{inline("A1", "Plan")}{inline("B1", "Seats")}</row>'
        f'<row r="2">{inline("A2", "Granite")}<c r="B2"><v>83</v></c></row>'
    )
    content = workbook_package(sheet)
    assert [s.location for s in parse(tmp_path, content, "xlsx").sections] == ["Data!A2:B2"]


@pytest.mark.parametrize(
    ("format_id", "stored", "shown"),
    [
        (31, "46095", "2026-03-14"),  # yyyy"年"m"月"d"日" in Japanese and Chinese Excel
        (57, "46095", "2026-03-14"),
        (32, "0.5451388888888889", "13:05"),  # h"時"mm"分"
        (33, "0.5451388888888889", "13:05:00"),
    ],
)
def test_east_asian_built_in_dates_read_as_dates_not_serials(
    tmp_path: Path, format_id: int, stored: str, shown: str
) -> None:
    # openpyxl knows no built-in beyond 0-22 and 37-49: it read these as General, `46095`.
    sheet = (
        f'<row r="1">{inline("A1", "Event")}{inline("B1", "When")}</row>'
        f'<row r="2">{inline("A2", "Kickoff")}<c r="B2" s="1"><v>{stored}</v></c></row>'
    )
    content = workbook_package(sheet, number_format=(format_id, ""))
    assert text_of(parse(tmp_path, content, "xlsx")) == f"Event: Kickoff; When: {shown}"


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [(1.5, "[hhh]:mm", "036:00"), (1, "[hhh]", "024"), (0.75, "[mm]", "1080")],
)
def test_a_number_under_a_time_format_openpyxl_misses_is_a_serial(
    value: float, code: str, shown: str
) -> None:
    assert format_value(value, code) == shown


@pytest.mark.parametrize(
    ("when", "code", "shown"),
    [
        # Japanese eras (和暦), as SpreadJS and Aspose.Cells document Excel's display.
        (datetime(2026, 7, 2), '[$-411]ggge"年"m"月"d"日"', "令和8年7月2日"),
        (datetime(2019, 5, 1), '[$-411]ggge"年"m"月"d"日"', "令和1年5月1日"),
        (datetime(2019, 4, 30), '[$-411]ggge"年"m"月"d"日"', "平成31年4月30日"),
        (datetime(1989, 1, 7), "[$-411]ge.m.d", "S64.1.7"),
        (datetime(2026, 7, 2), "[$-ja-JP]gg ee/mm/dd", "令 08/07/02"),
        (datetime(2019, 5, 1), '[$-ja-JP-x-gannen]ggg e"年"m"月"d"日"', "令和 元年5月1日"),
        (datetime(2026, 7, 2), '[$-411]ggg yy"年"m"月"', "令和 08年7月"),  # y after g: era
        (datetime(2026, 7, 2), "[$-411]yyyy/m/d", "2026/7/2"),  # y alone: Gregorian
        (datetime(2026, 7, 2), 'ggge"年"m"月"', "令和8年7月"),  # an era name: Japanese
        # Buddhist years (Thai), Gregorian + 543.
        (datetime(2026, 7, 2), "[$-41E]d/m/bbbb", "2/7/2569"),
        (datetime(2026, 7, 2), "[$-41E]dd/mm/bb", "02/07/69"),
    ],
)
def test_era_and_buddhist_years_read_as_shown(when: datetime, code: str, shown: str) -> None:
    assert format_value(when, code) == shown


def test_a_japanese_era_date_reads_as_shown_in_a_workbook(tmp_path: Path) -> None:
    sheet = (
        f'<row r="1">{inline("A1", "Contract")}{inline("B1", "Signed")}</row>'
        f'<row r="2">{inline("A2", "Kestrel")}<c r="B2" s="1"><v>46205</v></c></row>'
    )
    content = workbook_package(sheet, number_format=(164, '[$-411]ggge"年"m"月"d"日"'))
    assert text_of(parse(tmp_path, content, "xlsx")) == "Contract: Kestrel; Signed: 令和8年7月2日"
