# ruff: noqa: RUF001  (accented, Greek and CJK letters are the point of these tests)
"""Generated short exports per code page (tests/unit/files/encoding_samples.py): how many
`decode_as` reads wrongly, on the DEV vocabulary it was tuned on and on the TEST vocabulary
it never was (bench/encodings_heldout.py prints the whole table). Before decision 0129 a
short Hungarian, Czech, Croatian, Turkish or Lithuanian export in its Windows code page was
read as Windows-1252 nearly every time, Mac Roman one in four, ISO-8859-7 Greek half."""

from __future__ import annotations

import pytest

from engageiq_files.ingestion.encodings import decode_as
from tests.unit.files.encoding_samples import WESTERN_KINDS, samples

COUNT = 60


def _wrong(kind: str, split: str) -> list[tuple[str, str, str]]:
    out = []
    for text, data in samples(kind, split, COUNT):  # type: ignore[arg-type]
        decoded, label = decode_as(data)
        if decoded != text:
            out.append((text, decoded, label))
    return out


@pytest.mark.parametrize("split", ["dev", "test"])
@pytest.mark.parametrize("kind", WESTERN_KINDS)
def test_short_western_exports_are_never_read_as_another_code_page(kind: str, split: str) -> None:
    assert _wrong(kind, split) == []


# Most wrong readings allowed per COUNT samples (DEV, TEST): measured after decision 0129,
# plus one where not zero. Before it (same samples): Hungarian 34/42, Czech 51/43, Slovak
# 42/50, Polish 11/9, Croatian 55/60, Turkish 56/50, Lithuanian 59/60, Mac Roman 14/14,
# ISO-8859-7 Greek 29/27, GB18030 6/14, Shift_JIS 3/9.
BOUNDS = {
    "cp1250-hu": (0, 5),
    "cp1250-cs": (0, 0),
    "cp1250-sk": (0, 0),
    "cp1250-pl": (0, 0),
    "cp1250-hr": (0, 0),
    "cp1254-tr": (3, 0),
    "cp1257-lt": (0, 8),
    "mac-roman": (2, 0),
    "cp1253-el": (0, 0),
    "iso8859-7-el": (0, 0),
    "cp1251-ru": (0, 0),
    "gb18030-zh": (0, 6),
    "shift_jis-ja": (0, 0),
}


@pytest.mark.parametrize("split", ["dev", "test"])
@pytest.mark.parametrize("kind", BOUNDS)
def test_short_exports_in_other_code_pages_keep_their_letters(kind: str, split: str) -> None:
    bound = BOUNDS[kind][0 if split == "dev" else 1]
    wrong = _wrong(kind, split)
    assert len(wrong) <= bound, wrong[:5]


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("Szőke Anna;Kőszeg;250,00 Ft\n", "cp1250", "windows-1250"),
        ("Fekete Lőrinc;Győr;1234.90 Ft\n", "cp1250", "windows-1250"),
        ("Szűcs Bence;Debrecen;12,00 Ft\n", "cp1250", "windows-1250"),
        ("Vörös Ödön;Gödöllő;250,00 Ft\n", "cp1250", "windows-1250"),
        ("Lucie Svobodová;Brno;99 Kč\n", "cp1250", "windows-1250"),
        ("Splatnost 30 dní\nJiří Dvořák\n", "cp1250", "windows-1250"),
        ("Plaćanje u roku od 30 dana, Marija Jurić, Osijek\n", "cp1250", "windows-1250"),
        ("Ľubomír Kováč, Banská Bystrica\n", "cp1250", "windows-1250"),
        ("Ayşe Yılmaz;İstanbul;40 TL\n", "cp1254", "windows-1254"),
        ("Kerem Akın;Ankara;1234,50 TL\n", "cp1254", "windows-1254"),
        ("Saygılarımızla\nEmre Şen\n", "cp1254", "windows-1254"),
        ("Klientų sąrašas: Šiauliai, Klaipėda\n", "cp1257", "windows-1257"),
        ("Darius Šimkus;Telšiai;40.90 €\n", "cp1257", "windows-1257"),
        ("Müller GmbH;Lübeck;18500 €\n", "mac_roman", "mac-roman"),
        ("Jörgen Ström;Tromsø;€ 99\n", "mac_roman", "mac-roman"),
        ("Niccolò Rossi;Città di Castello;99.90 €\n", "mac_roman", "mac-roman"),
        ("Gracias por su pedido\nÁlvaro Díaz\n", "mac_roman", "mac-roman"),
        ("Γιώργος Παπαδόπουλος;Πάτρα;250 €\n", "cp1253", "windows-1253"),
        ("Νίκος Κωνσταντίνου;Βόλος;1234,00 €\n", "iso8859-7", "iso8859-7"),
        ("张伟,杭州,250元\n", "gb18030", "gb18030"),
        ("王芳,上海,1234元\n", "gb18030", "gb18030"),
        ("请尽快付款，刘洋，福州\r\n", "gb18030", "gb18030"),
        ("ご注文ありがとうございます，鈴木一郎，横浜\n", "shift_jis", "cp932"),
        ("مرحبا و شكرا، السعر 900 ريال\n", "cp1256", "windows-1256"),
        ("Тариф Профи, ООО «Ромашка», ИНН 7701234567\n", "cp1251", "windows-1251"),
    ],
)
def test_a_short_text_keeps_its_code_page(text: str, codec: str, label: str) -> None:
    assert decode_as(text.encode(codec)) == (text, label)


@pytest.mark.parametrize(
    "text",
    [
        "Kunde;By;Beløp\nRaúl Gómez;León;1234.90 €\n",
        "Nombre;Población;Precio\nLucia Fabbri;Forlì;12 €\n",
        "Tórshavn;Føroyar\n",
        "Aujourd’hui, l’équipe a reçu la commande\n",
        "Quest’anno l’offerta è più ricca\n",
        "O’Neill;Dublin;€ 40\n",
        "§ 3 Abs. 2; 1½ Stunden\n",
        "Ø 25 mm, 40 m², 12 m³, 25°C\n",
        "Bogotá;Medellín;Cúcuta\n",
        "Hafþór Júlíus Björnsson\n",
        "Síðumúli 12, 108 Reykjavík\n",
        "Catalunya: col·legi, l’Hospitalet, Pèrez\n",
        "Marié, Dupré, Brûlé, Pâté\nMarié, Dupré, Brûlé, Pâté\n",
        "Ñandú;Ñuñoa\nÑandú;Ñuñoa\n",
    ],
)
def test_western_text_that_looks_like_another_language_stays_windows_1252(text: str) -> None:
    assert decode_as(text.encode("cp1252")) == (text, "windows-1252")
