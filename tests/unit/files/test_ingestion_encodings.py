# ruff: noqa: RUF001  (typographic punctuation, Greek, Cyrillic and CJK text is the point of these tests)
"""Encodings of short text files as reps' machines write them (issue 21): each case is a kind
of file (a few lines from a Western office export, Excel's "Unicode text", a Mac, a Russian
or Chinese office), made here from the text and the codec, and the text must come back
exactly, with the encoding it was read with recorded."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from engageiq_files.ingestion.encodings import decode_as
from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParseLimits

LIMITS = ParseLimits(max_pages=50, max_text_chars=1_000_000, max_docx_uncompressed_bytes=1)

WESTERN_EXPORTS = {
    "es": "El señor Muñoz firmó el plan Cantera por 47 asientos.\n",
    "es-euro": "Precio: 40 €\n",
    "de": "Größe;Preis\nStraße;40 €\n",
    "de-quotes": "Er sagte „Angebot“ – gültig bis 31.12.\n",
    "de-single-quotes": "‚Gut‘ sagt er\n",
    "fr-apostrophes": "L’offre « Prestige » coûte 1 200 € — œuvre à façon…\n",
    "fr-oe": "Cœur de l'offre : sœur\n",
    "fr-typographic": (
        "Voilà, c’est déjà fait — merci beaucoup…\r\nNotes:\r\n"
        "EngageIQ™ Pro — „Premium“ ‚Gold‘ edition.\r\n"
    ),
    "it-typographic": (
        "Notes:\nPerché la città è più cara? Però è così.\n"
        "EngageIQ™ Pro — „Premium“ ‚Gold‘ edition.\n"
    ),
    "fr-long": (
        "Le prix par siège et par mois est payable à réception. L’équipe commerciale "
        "prévoit une remise de 15 % à la signature ; la société s’engage à régler "
        "la facture à 30 jours. Où en êtes-vous ? Déjà reçu, c’est noté.\n"
    ),
    "pt": "Preço por usuário: R$ 30, ação e informação\n",
    "it": "Perché la città è più bella, l’offerta è già pronta\n",
    "nl": "Prijs per maand: € 25 – inclusief BTW; ’s avonds geopend\n",
    "no": "Kunde;Beløp\nBjørn Ås;1 234,50\n",
    "sv": "Kund;Belopp\nÅsa Öberg;1 234,50\nMalmö;2,5\n",
    "da": "Søren Kierkegård,Århus,æble\n",
    "trademark": "EngageIQ™ Pro – „Premium“\n",
    "ellipsis-only": "Wait for it… done\n",
    "em-dash-only": "Pricing — final\n",
    "euro-only": "Total 40€\n",
    "once-n-tilde": "Account owner: Muñoz\nRegion: West\nSeats: 47\n",
    "once-sharp-s": "Strasse 12\nGroß\n",
    "once-o-slash": "Bjørn\n",
    "mixed-line-ends": "Línea uno\r\nLínea dos\nLínea tres\rfin\n",
    "one-word-de": "Größe\n",
    "one-word-fr": "ÉTÉ\n",
    "one-word-sv": "Åre\n",
    "one-word-es": "Señora Núñez\n",
    "one-word-fr-dessert": "Crème brûlée\n",
}


@pytest.mark.parametrize("text", WESTERN_EXPORTS.values(), ids=WESTERN_EXPORTS.keys())
def test_a_short_western_export_reads_as_windows_1252(text: str) -> None:
    assert decode_as(text.encode("cp1252")) == (text, "windows-1252")


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("Café crème, señor Muñoz\n", "latin-1", "windows-1252"),
        ("Prix : 40 €, une œuvre\n", "iso8859-15", "iso8859-15"),
        ("Cœur de l'offre : sœur, 12 €\n", "iso8859-15", "iso8859-15"),
        ("Artikel;Betrag;Währung\nLizenz;1234,50;€\n", "iso8859-15", "iso8859-15"),
        ("El señor Muñoz — 40 €\n", "utf-8", "utf-8"),
        ("\ufeffEl señor Muñoz — 40 €\n", "utf-8", "utf-8"),
        ("\ufeffName\tCity\nMüller\tMünchen\n", "utf-16-le", "utf-16-le"),
        ("\ufeffName\tCity\nMüller\tMünchen\n", "utf-16-be", "utf-16-be"),
        ("Name\tCity\nMüller\tMünchen\n", "utf-16-le", "utf-16-le"),
        ("Name\tCity\nMüller\tMünchen\n", "utf-16-be", "utf-16-be"),
        ("Café crème, señor Muñoz, Größe\n", "mac_roman", "mac-roman"),
        ("Kunde;Straße;Betrag\nMüller;Hauptstraße 5;1.234,50 €\n", "mac_roman", "mac-roman"),
        ("Client;Montant\nSociété Générale;12 500,00 €\n", "mac_roman", "mac-roman"),
        ("Bitte bestätigen Sie den Termin übermorgen.\r\n", "mac_roman", "mac-roman"),
        ("Plain ASCII notes\r\nand nothing else\n", "ascii", "utf-8"),
    ],
    ids=[
        "latin-1",
        "latin-9-euro",
        "latin-9-oe",
        "latin-9-csv-currency-column",
        "utf-8",
        "utf-8-bom",
        "utf-16-le-bom",
        "utf-16-be-bom",
        "utf-16-le",
        "utf-16-be",
        "mac-roman",
        "mac-roman-excel-csv-de",
        "mac-roman-excel-csv-fr",
        "mac-roman-one-line",
        "ascii",
    ],
)
def test_other_western_encodings_are_read_and_named(text: str, codec: str, label: str) -> None:
    assert decode_as(text.encode(codec)) == (text.removeprefix("\ufeff"), label)


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("Тариф Профи стоит 900 рублей в месяц.\n", "cp1251", "windows-1251"),
        ("Привет, мир\n", "cp1251", "windows-1251"),
        ("Цена тарифа\n", "cp1251", "windows-1251"),
        ("Тариф Профи стоит 900 рублей в месяц.\n", "koi8-r", "koi8-r"),
        ("料金表：プロ版は月額九百円です。\n", "shift_jis", "cp932"),
        ("专业版价格为每月九百元。\n", "gb18030", "gb18030"),
        ("专业版\n", "gb18030", "gb18030"),
        ("고객: 김철수\n", "cp949", "cp949"),
        ("客戶：陳大文\n", "big5", "big5"),
        ("合約已簽署。\n", "big5", "big5"),
        ("Η τιμή του πακέτου είναι 900 ευρώ.\n", "cp1253", "windows-1253"),
        ("Zażółć gęślą jaźń, cena 40 zł\n", "cp1250", "windows-1250"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy.\n", "cp1250", "windows-1250"),
        ("السعر هو 900 ريال شهريا\n", "cp1256", "windows-1256"),
        ("המחיר הוא 900 שקלים לחודש\n", "cp1255", "windows-1255"),
        ("שלום עולם\n", "cp1255", "windows-1255"),
    ],
    ids=[
        "cp1251",
        "cp1251-short",
        "cp1251-two-words",
        "koi8-r",
        "shift-jis",
        "gb18030",
        "gb18030-one-word",
        "korean-short",
        "big5-short",
        "big5-sentence",
        "greek",
        "polish",
        "czech",
        "arabic",
        "hebrew",
        "hebrew-two-words",
    ],
)
def test_non_western_text_keeps_its_encoding(text: str, codec: str, label: str) -> None:
    assert decode_as(text.encode(codec)) == (text, label)


PARAGRAPHS = {
    "russian-csv": ("Клиент;Сумма\n" + "Иванов;1 234,50\n" * 300, "cp1251"),
    "bulgarian": (
        "Здравейте, изпращаме ви ценова оферта за следващата година. Цената на "
        "потребител е 40 лева на месец.\n",
        "cp1251",
    ),
    "ukrainian": (
        "Доброго дня! Надсилаємо вам комерційну пропозицію на наступний рік. Вартість "
        "за користувача становить 400 гривень на місяць.\n",
        "cp1251",
    ),
    "czech": (
        "Dobrý den, posíláme vám cenovou nabídku na příští rok. Cena za uživatele je "
        "400 Kč měsíčně, smlouva se uzavírá na dva roky. Prosíme o potvrzení do konce "
        "měsíce. Děkujeme za spolupráci a přejeme hezký den. Obchodní oddělení.\n",
        "cp1250",
    ),
    "polish": (
        "Dzień dobry, przesyłamy ofertę cenową na przyszły rok. Cena za użytkownika "
        "wynosi 40 zł miesięcznie, umowa zawierana jest na dwa lata.\n",
        "cp1250",
    ),
    "turkish": (
        "Merhaba, gelecek yıl için fiyat teklifimizi gönderiyoruz. Kullanıcı başına "
        "ücret aylık 40 lira, sözleşme iki yıllıktır. Lütfen ay sonuna kadar "
        "onaylayınız. İşbirliğiniz için teşekkür ederiz.\n",
        "cp1254",
    ),
    "greek": (
        "Καλημέρα σας, σας στέλνουμε την προσφορά τιμών για το επόμενο έτος. Η τιμή ανά"
        " χρήστη είναι 40 ευρώ τον μήνα.\n",
        "cp1253",
    ),
    "hebrew": (
        "שלום, אנו שולחים לכם הצעת מחיר לשנה הבאה. המחיר למשתמש הוא 40 שקלים לחודש, "
        "החוזה נחתם לשנתיים.\n",
        "cp1255",
    ),
    "arabic": (
        "مرحبا، نرسل لكم عرض الأسعار للعام القادم. السعر لكل مستخدم هو 40 دينارا شهريا.\n",
        "cp1256",
    ),
    "icelandic": (
        "Góðan dag, við sendum ykkur verðtilboð fyrir næsta ár. Verðið á hvern notanda "
        "er 40 evrur á mánuði og samningurinn er gerður til tveggja ára.\n",
        "cp1252",
    ),
    "german": (
        "Sehr geehrte Damen und Herren, anbei erhalten Sie unser Preisangebot für das "
        "nächste Jahr. Der Preis pro Nutzer beträgt 40 € monatlich, der Vertrag läuft "
        "über zwei Jahre. Mit freundlichen Grüßen, Ihr Vertriebsteam.\n",
        "cp1252",
    ),
    "spanish": (
        "Buenos días, les enviamos nuestra propuesta de precios para el próximo año. El"
        " precio por usuario es de 40 € al mes y el contrato se firma por dos años. "
        "Atentamente, el equipo comercial de España.\n",
        "cp1252",
    ),
}


@pytest.mark.parametrize(("text", "codec"), PARAGRAPHS.values(), ids=PARAGRAPHS.keys())
def test_a_paragraph_is_read_in_its_own_code_page(text: str, codec: str) -> None:
    assert decode_as(text.encode(codec)) == (text, f"windows-{codec.removeprefix('cp')}")


@pytest.mark.parametrize(
    "content",
    [
        "Name,City\nMüller,München\n".encode() + "Café\n".encode("cp1252"),
        ("Name,City\n" + "Müller,München\n" * 20).encode() + "Café\n".encode("cp1252"),
    ],
    ids=["short", "long"],
)
def test_one_stray_windows_byte_in_utf_8_keeps_the_file_utf_8(content: bytes) -> None:
    text, label = decode_as(content)
    assert label == "utf-8"
    assert "München" in text
    assert text.endswith("Café\n")


def test_a_semicolon_csv_with_decimal_commas_keeps_its_numbers(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("Kunde;Betrag;Rabatt\nMüller GmbH;1.234,50;2,5\n".encode("cp1252"))
    parsed = parse_document(str(path), "csv", LIMITS)
    assert parsed.encoding == "windows-1252"
    assert parsed.sections[0].text == "Kunde: Müller GmbH; Betrag: 1.234,50; Rabatt: 2,5"


def test_excels_unicode_text_export_is_read_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    content = codecs.BOM_UTF16_LE + "Kunde\tOrt\nMuñoz\tMálaga\n".encode("utf-16-le")
    path.write_bytes(content)
    parsed = parse_document(str(path), "csv", LIMITS)
    assert parsed.encoding == "utf-16-le"
    assert parsed.sections[0].text == "Kunde: Muñoz; Ort: Málaga"


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("sep=;\r\nKunde;Ort;Plätze\r\nMüller GmbH;Köln;12\r\n".encode("cp1252"), "windows-1252"),
        (codecs.BOM_UTF8 + "SEP=,\nKunde,Ort,Plätze\nMüller GmbH,Köln,12\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "sep=|\nKunde|Ort|Plätze\nMüller GmbH|Köln|12\n".encode(), "utf-8"),
    ],
)
def test_excels_delimiter_line_names_the_delimiter_and_is_not_a_row(
    tmp_path: Path, content: bytes, encoding: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    parsed = parse_document(str(path), "csv", LIMITS)
    assert parsed.encoding == encoding
    assert [(s.location, s.text) for s in parsed.sections] == [
        ("rows 2-2", "Kunde: Müller GmbH; Ort: Köln; Plätze: 12")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "El señor Muñoz firmó el plan.\r\n",  # read as Shift_JIS: "El se､or Mu､oz firm｢"
        "Nombre;Ciudad\r\nMuñoz;Málaga\r\n",
        "Größe: 12\r\nStraße 5\r\n",
    ],
)
def test_a_dos_western_export_keeps_its_letters(text: str) -> None:
    # A command-line tool or an old ERP on a Western Windows writes its OEM code page, 850.
    decoded, label = decode_as(text.encode("cp850"))
    assert decoded == text
    assert label in {"cp850", "cp437"}  # the same letters in both


def test_half_width_katakana_stays_japanese() -> None:
    text = "ｱﾝｹｰﾄ結果: 回答ABC社\r\n"
    assert decode_as(text.encode("cp932")) == (text, "cp932")
