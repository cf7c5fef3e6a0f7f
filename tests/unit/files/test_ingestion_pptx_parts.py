"""PowerPoint text outside the slides' own text frames (decision 0102), on generated decks,
through the parser in process: charts, SmartArt, the shapes of layouts and masters, and never a
placeholder's prompt."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from engageiq_files.ingestion.sections import ParseFailure
from engageiq_files.ingestion.slides import MASTER_LOCATION
from tests.unit.files.presentations import (
    CHARTEX_FALLBACK,
    chart_deck,
    chartex_deck,
    layout_and_master_deck,
    placeholder_prompt_texts,
    smartart_deck,
)
from tests.unit.files.test_ingestion_kinds import found, parse, text_of


def test_a_charts_title_axes_series_and_categories_are_read_on_its_slide(tmp_path: Path) -> None:
    content = chart_deck(
        title="Kestrel region closed 47 renewals",
        series="Signed renewals",
        categories=["January", "February", "March"],
        values=[11, 16, 20],
        axis_titles=("Fiscal month", "Renewal count"),
    )
    parsed = parse(tmp_path, content, "pptx")
    by_slide = {s.location: s.text for s in parsed.sections}
    chart = by_slide["slide 2"]
    assert "Kestrel region closed 47 renewals" in chart
    assert "Fiscal month" in chart
    assert "Renewal count" in chart
    assert "Signed renewals: January 11; February 16; March 20" in chart
    assert "slide 1" not in by_slide  # the blank slide before it has no text
    assert "Sheet1" not in chart  # the series' cell references are not text
    assert found(parsed, "kestrel renewals")


def test_an_office_2016_chart_is_read_through_its_choice_not_its_fallback(tmp_path: Path) -> None:
    content = chartex_deck(
        title="Margin bridge for Osprey account",
        series="Margin steps",
        categories=["List price", "Discount", "Net"],
        values=[100, -15, 85],
    )
    parsed = parse(tmp_path, content, "pptx")
    [slide] = parsed.sections
    assert slide.location == "slide 1"
    assert slide.text.splitlines() == [
        "Margin bridge for Osprey account",
        "Margin steps: List price 100; Discount -15; Net 85",
    ]
    assert CHARTEX_FALLBACK not in slide.text
    assert found(parsed, "osprey margin bridge")


def test_smartart_is_read_from_its_data_model_parents_first(tmp_path: Path) -> None:
    content = smartart_deck(
        [("Discovery workshop", ["Stakeholder map"]), ("Pilot in Lisbon", ["Success criteria"])]
    )
    parsed = parse(tmp_path, content, "pptx")
    [slide] = parsed.sections
    assert slide.location == "slide 1"
    assert slide.text.splitlines() == [
        "Onboarding process",
        "Discovery workshop",
        "Stakeholder map",
        "Pilot in Lisbon",
        "Success criteria",
    ]
    assert found(parsed, "lisbon pilot")


def test_layout_and_master_shapes_are_read_once_per_file(tmp_path: Path) -> None:
    content = layout_and_master_deck(
        master_text="Confidential: Ocelot Holdings",
        layout_text="Contract dated 12 May 2027",
        slide_texts=["Agenda", "Pricing", "Next steps"],
    )
    parsed = parse(tmp_path, content, "pptx")
    assert [s.location for s in parsed.sections] == [
        "slide 1",
        "slide 2",
        "slide 3",
        MASTER_LOCATION,
    ]
    master = parsed.sections[-1].text
    assert master.splitlines() == ["Contract dated 12 May 2027", "Confidential: Ocelot Holdings"]
    assert text_of(parsed).count("Confidential") == 1
    assert found(parsed, "ocelot confidential")
    assert found(parsed, "contract dated")


def test_layout_shapes_hidden_on_every_slide_are_not_read(tmp_path: Path) -> None:
    content = layout_and_master_deck(
        master_text="Draft watermark", layout_text="Old footer", slide_texts=["Only"], hide_on=1
    )
    parsed = parse(tmp_path, content, "pptx")
    assert [s.location for s in parsed.sections] == ["slide 1"]


def _with_xml_replaced(content: bytes, old: str, new: str) -> bytes:
    """The deck with `old` replaced by `new` in every XML part."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith(".xml"):
                data = data.decode().replace(old, new).encode()
            target.writestr(item, data)
    return out.getvalue()


def _slide_number_field(content: bytes, marker: str, stored: str) -> bytes:
    """The deck with `marker`, ending a run, replaced by a slide number field after it storing
    `stored`, as PowerPoint (`\u2039#\u203a`) and LibreOffice (`<number>`) write one."""
    field = (
        '<a:fld id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}" type="slidenum"><a:rPr lang="en-US"/>'
        f"<a:t>{stored}</a:t></a:fld>"
    )
    return _with_xml_replaced(content, f"{marker}</a:t></a:r>", f"</a:t></a:r>{field}")


def test_slide_number_fields_of_layouts_and_masters_read_without_their_stand_in(
    tmp_path: Path,
) -> None:
    content = layout_and_master_deck(
        master_text="Ocelot Holdings, page MASTER_NUMBER",
        layout_text="Seite LAYOUT_NUMBER",
        slide_texts=["Agenda"],
    )
    content = _slide_number_field(content, "MASTER_NUMBER", "\u2039#\u203a")
    content = _slide_number_field(content, "LAYOUT_NUMBER", "&lt;number&gt;")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        master = archive.read("ppt/slideMasters/slideMaster1.xml").decode()
    assert '<a:t>Ocelot Holdings, page </a:t></a:r><a:fld id="' in master
    parsed = parse(tmp_path, content, "pptx")
    assert parsed.sections[-1].location == MASTER_LOCATION
    # Each slide shows its own number there; the stored stand-ins are seen on no slide.
    lines = [line.strip() for line in parsed.sections[-1].text.splitlines()]
    assert lines == ["Seite", "Ocelot Holdings, page"]


def test_a_slides_own_slide_number_field_keeps_its_number(tmp_path: Path) -> None:
    content = layout_and_master_deck(master_text="", layout_text="", slide_texts=["Slide NUMBER"])
    parsed = parse(tmp_path, _slide_number_field(content, "NUMBER", "1"), "pptx")
    assert parsed.sections[0].text == "Slide 1"


def test_hidden_shapes_of_layouts_and_masters_are_not_read(tmp_path: Path) -> None:
    content = layout_and_master_deck(
        master_text="Draft - not for circulation",
        layout_text="Contract dated 12 May 2027",
        slide_texts=["Agenda"],
    )
    # Hidden in the selection pane, as a template's switched-off watermark is.
    content = _with_xml_replaced(
        content,
        '<p:cNvPr id="3" name="TextBox 2"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
        '<p:spPr><a:xfrm><a:off x="457200" y="6400800"/>',
        '<p:cNvPr id="3" name="TextBox 2" hidden="1"/><p:cNvSpPr txBox="1"/><p:nvPr/>'
        '</p:nvSpPr><p:spPr><a:xfrm><a:off x="457200" y="6400800"/>',
    )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        master = archive.read("ppt/slideMasters/slideMaster1.xml").decode()
    assert 'name="TextBox 2" hidden="1"' in master
    assert "Draft - not for circulation" in master
    parsed = parse(tmp_path, content, "pptx")
    assert parsed.sections[-1].location == MASTER_LOCATION
    assert parsed.sections[-1].text == "Contract dated 12 May 2027"


def test_placeholder_prompt_text_of_layouts_and_masters_is_never_indexed(tmp_path: Path) -> None:
    content = layout_and_master_deck(
        master_text="Confidential", layout_text="Footer", slide_texts=["Agenda"]
    )
    prompts = placeholder_prompt_texts(content)
    assert "Click to edit Master title style" in prompts  # the template has them
    parsed = parse(tmp_path, content, "pptx")
    text = text_of(parsed)
    for prompt in prompts:
        assert prompt not in text
    assert "Click to edit" not in text
    assert not found(parsed, "click edit")  # "master" alone finds the master's own section


def test_a_chart_part_that_declares_a_dtd_is_refused(tmp_path: Path) -> None:
    content = chart_deck(title="t", series="s", categories=["a"], values=[1])
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "ppt/charts/chart1.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE c [<!ENTITY boom "boom">]>', 1)
            target.writestr(item, data)
    with pytest.raises(ParseFailure) as caught:
        parse(tmp_path, out.getvalue(), "pptx")
    assert caught.value.code == "corrupt_pptx"
