"""What a question asks for, beyond its words: the names it uses and the kind of answer it
expects. The offline responder uses both to tell a passage that answers from one that is only
close in topic (decision 0107):

- A name in the question (a product, vendor, standard or place: "Zendesk", "HIPAA",
  "FedRAMP") that no retrieved passage mentions means the documents do not say. A paraphrase
  can swap a word for a synonym; it cannot swap a name. A name counts as mentioned when any
  of its words is ("Ciudad de México" is mentioned by "México"), and an acronym also when the
  first letters of consecutive words spell it ("MSA" in "master subscription agreement").
- A question that asks for a duration ("how long", "how soon", "combien de temps") or a rate
  ("what commission rate", "taux de réussite") is answered only by a passage that states one:
  "30 days", "within one business day", "64%". A sentence about call recordings that says
  nothing of how long they are kept does not answer "how long are recordings retained?".

Capitalisation is read from the question as written. German capitalises every noun and a
Title Case question every word, so there only a word with more than one capital is a name.
A question for a deadline ("by when") asks for no duration: a date answers it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final, Literal

from engageiq_search.normalise import normalise
from engageiq_search.tokens import Tokenizer

Kind = Literal["duration", "rate"]

_WORD: Final = re.compile("[^\\W\\d_][\\w'\u2019-]*")
_SENTENCE_START: Final = re.compile(r"(?:^|[.!?¿¡:;]\s*)$")
_PARTICLES: Final = frozenset(
    ["de", "del", "di", "da", "du", "des", "la", "le", "of", "the", "von", "van", "der", "den"]
)
"""Lower-case words inside a name ("Ciudad de México", "Bank of America")."""
_GERMAN: Final = frozenset(
    [
        *("der", "das", "dem", "und", "ist", "sind", "für", "mit", "sich", "nicht", "kann"),
        *("können", "wie", "welche", "welcher", "welches", "wann", "wer", "ein", "eine"),
        *("einen", "einem", "einer", "dürfen", "gibt", "werden", "wird", "auch", "oder"),
    ]
)
"""German words no English, French or Spanish question uses: a question holding one is read
as German, where every noun has a capital."""
_LETTERS: Final = re.compile(r"[^\W\d_]+")
_JOINERS: Final = frozenset(["and", "of", "for", "&", "und", "et", "y", "de", "der", "des"])
"""Small words an acronym's letters skip ("Health Insurance Portability and ...")."""

_DURATION_ASKED: Final = re.compile(
    r"\bhow (?:long|soon|quickly|fast)\b"
    r"|\bhow many (?:minutes|hours|days|weeks|months|quarters|years)\b"
    r"|\bwie (?:lange|schnell)\b|\bwelche[rn]? frist\b"
    r"|\bwie viele (?:tage|wochen|monate|jahre)\b"
    r"|\bcombien de (?:temps|jours|semaines|mois|années)\b|\bquel(?:le)? (?:délai|durée)\b"
    r"|\bcuánto (?:tiempo|tarda)\b|\bcuántos (?:días|meses|años)\b|\bqué plazo\b"
    r"|期間|何日|何週間|何か月|何ヶ月|何年"
)
_NUMBER: Final = (
    r"(?:\d+(?:[.,]\d+)?|a|an|same|next|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve"
    r"|fifteen|twenty|thirty|forty|fifty|sixty|ninety|hundred|half|ein|eine|einem|einer|zwei"
    r"|drei|vier|fünf|sechs|sieben|acht|neun|zehn|zwölf|dreißig|un|une|deux|trois|quatre|cinq"
    r"|sept|huit|neuf|dix|douze|quinze|trente|soixante|uno|una|dos|tres|cuatro|seis|siete"
    r"|ocho|nueve|diez|doce|treinta|sesenta|noventa)"
)
_TIME_UNIT: Final = (
    r"(?:minutes?|hours?|days?|weeks?|fortnights?|months?|quarters?|years?"
    r"|minuten?|stunden?|tag(?:e|en)?|wochen?|monat(?:e|en)?|quartal(?:e|en)?|jahr(?:e|en)?"
    r"|heures?|jours?|semaines?|mois|trimestres?|ans?|années?"
    r"|minutos?|horas?|días?|semanas?|mes(?:es)?|años?)"
)
_DURATION_SAID: Final = re.compile(
    # "30 days", "six weeks", "one business day", "12-month"; not "18 EUR per month".
    rf"\b{_NUMBER}(?:[\s-]+(?!per\b|pro\b|par\b|por\b|each\b|je\b)[^\W\d_]+)?[\s-]+{_TIME_UNIT}\b"
    r"|\d\s*(?:分|時間|日|週間|か月|ヶ月|カ月|ヵ月|年)"
)
_RATE_ASKED: Final = re.compile(
    r"\bpercent(?:age)?\b|\bper cent\b|\bwhat share\b|\bproportion\b"
    r"|\b(?:win|commission|churn|conversion|close|closing|success|renewal|retention|adoption"
    r"|attrition|response|growth|utili[sz]ation) rates?\b"
    r"|prozent|quote\b|anteil|\btaux\b(?! de change)|pourcentage|quelle part"
    r"|porcentaje|\btasa\b(?! de cambio)|割合|率"
)
_RATE_SAID: Final = re.compile(r"\d\s*(?:%|percent\b|per cent\b|prozent\b|pour cent\b)")
"""Read on normalised text, where a full-width percent sign is "%"."""


def expected_kind(question: str) -> Kind | None:
    """The kind of answer `question` asks for, when its wording says so; None otherwise."""
    text = normalise(question)
    if _DURATION_ASKED.search(text):
        return "duration"
    if _RATE_ASKED.search(text):
        return "rate"
    return None


def states(text: str, kind: Kind) -> bool:
    """`text` states a value of `kind`: a number with a time unit, or a percentage."""
    said = _DURATION_SAID if kind == "duration" else _RATE_SAID
    return bool(said.search(normalise(text)))


def _capitals_name(question: str) -> bool:
    """An initial capital marks a name in `question`: not in German, which capitalises every
    noun (a German noun is as open to paraphrase as an English one: "Behörde" for "öffentliche
    Auftraggeber"), nor in a question in Title Case."""
    words = _WORD.findall(question)
    if _GERMAN.intersection(normalise(word) for word in words):
        return False
    # Title Case: every longer word after the first capitalised (acronyms aside).
    later = [w for w in words[1:] if len(w) > 3 and sum(c.isupper() for c in w) < 2]
    return len(later) < 3 or not all(word[0].isupper() for word in later)


def names_in(question: str) -> list[list[str]]:
    """The names `question` uses, each as its words: runs of capitalised words not at the
    start of a sentence, a lower-case particle joining them ("Ciudad de México"), and each
    word with more than one capital ("HIPAA", "FedRAMP"), anywhere. "I" is no name. In German
    and in Title Case a capital marks no name: there only the words with more than one do."""
    names: list[list[str]] = []
    run: list[str] = []
    pending: list[str] = []  # particles seen after a name word, kept if the name goes on
    capitals_name = _capitals_name(question)
    for match in _WORD.finditer(question):
        word = match.group()
        capitals = sum(c.isupper() for c in word)
        opening = bool(_SENTENCE_START.search(question[: match.start()]))
        if capitals > 1:  # an acronym or brand ("HIPAA", "FedRAMP") is a name of its own
            if run:
                names.append(run)
            names.append([word])
            run, pending = [], []
        elif capitals_name and word != "I" and word[0].isupper() and not opening:
            run += [*pending, word]
            pending = []
        elif run and word in _PARTICLES:
            pending.append(word)
        else:
            if run:
                names.append(run)
            run, pending = [], []
    if run:
        names.append(run)
    return names


def _initials(words: list[str]) -> str:
    return "".join(word[0] for word in words if word.casefold() not in _JOINERS).casefold()


def _spelled_by_initials(acronym: str, passages: Iterable[str], about: Iterable[str]) -> bool:
    """Consecutive words spell `acronym` with their first letters: words written with capitals
    in a passage ("Master Subscription Agreement"; "and", "of" may join them), or any words of
    a document's name or section ("master subscription agreement")."""
    wanted = acronym.casefold()
    for text in passages:
        run: list[str] = []
        for word in [*_LETTERS.findall(text), "."]:
            if word[0].isupper() or (run and word.casefold() in _JOINERS):
                run.append(word)
                continue
            if wanted in _initials(run):
                return True
            run = []
    return any(wanted in _initials(_LETTERS.findall(text)) for text in about)


def absent_names(
    tokenizer: Tokenizer,
    question: str,
    said: set[str],
    passages: Sequence[str],
    about: Sequence[str] = (),
) -> list[str]:
    """The names of `question` that the passages do not mention: none of the name's terms is
    in `said` (the terms of `passages` and of `about`, their documents' names and sections)
    and, for an acronym, no words of them spell it."""
    absent = []
    for name in names_in(question):
        terms = {t for word in name if word not in _PARTICLES for t in tokenizer.tokens(word)}
        if not terms or terms & said:
            continue
        if len(name) == 1 and name[0].isupper() and _spelled_by_initials(name[0], passages, about):
            continue
        absent.append(" ".join(name))
    return absent
