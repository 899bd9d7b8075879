"""The extract contract as data (see `/work/shared/domain/extract-format.md`).

Per file: its Danish name, whether it is required, the store table it loads
into, and per column the Danish name, the English store column, the type,
whether a value is required, the allowed values (enumerations), the boolean
default, the longest value the store keeps and the file it refers to (a
`Reference`). Beside the files: the text formats an extract may use (dates,
booleans, CPR numbers, delimiters). Everything else reads this module: the
ETL (`etl.read`, `etl.staging`, `etl.validate`) and the demo generator
(`demo`); nothing else spells a Danish file or column name, a date format or
a yes/no word.

Floor 1: imports only `vocab` of the project. That the English names and lengths
are the store's is checked by a test (`tests/etl/test_contract.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from vocab import UNASSIGNED, Severity

# Column types (cast in `etl.staging`, checked in `etl.validate`).
ID = "id"  # a key or a reference: text, stripped
TEXT = "text"
DATE = "date"
BOOL = "bool"
CPR = "cpr"
PARAGRAPH = "paragraph"
ENUM = "enum"

# Longest text the store keeps, for the types whose length does not vary by column.
ID_LENGTH = 64
CPR_LENGTH = 11  # normalised DDMMYY-SSSS
PARAGRAPH_LENGTH = 32
_TYPE_LENGTHS: dict[str, int] = {ID: ID_LENGTH, CPR: CPR_LENGTH, PARAGRAPH: PARAGRAPH_LENGTH}


# ------------------------------------------------------------------- formats
@dataclass(frozen=True)
class DateFormat:
    """One accepted way to write a date: its name in messages and its strftime pattern."""

    label: str  # e.g. "DD-MM-YYYY"
    pattern: str  # e.g. "%d-%m-%Y"


# Accepted date formats; the first is the canonical one (the demo writes it most).
DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("YYYY-MM-DD", "%Y-%m-%d"),
    DateFormat("DD-MM-YYYY", "%d-%m-%Y"),
    DateFormat("DD.MM.YYYY", "%d.%m.%Y"),
)

# Accepted yes/no spellings as (yes, no) pairs, matched in any case; the first is canonical.
BOOLEAN_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("J", "N"),
    ("ja", "nej"),
    ("1", "0"),
    ("true", "false"),
)
TRUE_WORDS: tuple[str, ...] = tuple(yes.lower() for yes, _no in BOOLEAN_SPELLINGS)
FALSE_WORDS: tuple[str, ...] = tuple(no.lower() for _yes, no in BOOLEAN_SPELLINGS)

# Accepted shapes of a CPR number: `D`, `M`, `Y` and `S` stand for one digit each
# (date part DDMMYY, serial SSSS), anything else is itself. The first is canonical:
# the store keeps every CPR number in that shape.
CPR_SHAPES: tuple[str, ...] = ("DDMMYY-SSSS", "DDMMYYSSSS")
CPR_DIGITS = 10

# Field delimiters of a CSV file; the first is the Danish default (and what the demo writes).
DELIMITERS: tuple[str, ...] = (";", ",")


def cpr_shape_parts(shape: str) -> list[int | str]:
    """A CPR shape as its parts, a number of digits or a literal: `DDMMYY-SSSS` -> [6, "-", 4]."""
    return [
        len(digits) if digits else literal
        for digits, literal in re.findall(r"([DMYS]+)|([^DMYS]+)", shape)
    ]


def cpr_shape_regex(shape: str) -> str:
    """The regular expression of one CPR shape: `DDMMYY-SSSS` -> `\\d{6}-\\d{4}`."""
    return "".join(
        rf"\d{{{part}}}" if isinstance(part, int) else re.escape(part)
        for part in cpr_shape_parts(shape)
    )


CPR_PATTERN = "|".join(f"(?:{cpr_shape_regex(shape)})" for shape in CPR_SHAPES)


def spoken_list(words: list[str] | tuple[str, ...]) -> str:
    """Words as a Danish list for messages: `a, b eller c`."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " eller " + words[-1]


DATE_FORMATS_TEXT = spoken_list([f.label for f in DATE_FORMATS])  # YYYY-MM-DD, ... eller DD.MM.YYYY
BOOLEAN_TEXT = spoken_list(
    [f"{yes}/{no}" for yes, no in BOOLEAN_SPELLINGS]
)  # J/N, ... eller true/false
CPR_SHAPES_TEXT = spoken_list(CPR_SHAPES)  # DDMMYY-SSSS eller DDMMYYSSSS


# ---------------------------------------------------------------- the files
@dataclass(frozen=True)
class Reference:
    """A column holding ids of another file (the target's one-column key).

    `etl.validate` checks every declared reference the same way: an id the
    target lacks is the problem `unknown_rule` (an error rejects the row, a
    warning keeps it and says what happens instead, `kept_note`); when `depends`,
    a row referring to a rejected target row is rejected too (`depends-on-rejected`);
    with `same_case_rule`, the target row must belong to the referring row's own case.
    """

    target: str  # the file referred to, e.g. "sager"
    unknown_rule: str  # problem code (vocab.PROBLEM_CODES) of an id the target lacks
    depends: bool = True
    same_case_rule: str | None = None
    severity: Severity = Severity.ERROR  # of `unknown_rule`: an error rejects the row
    kept_note: str = ""  # a warning's consequence, in Danish, added to its message


# The references of the contract (its cross-file rules).
TO_CASE = Reference("sager", "unknown-case")
# An unknown caseworker is a warning: the case is kept and counted as unassigned
# (losing a child's case over a staff-list gap is worse); nor is a case rejected
# because its caseworker's row was (no dependency).
TO_CASEWORKER = Reference(
    "medarbejdere",
    "unknown-caseworker",
    depends=False,
    severity=Severity.WARNING,
    kept_note=f"sagen indlæses og tælles som {UNASSIGNED}",
)
TO_MEASURE = Reference("foranstaltninger", "unknown-measure", same_case_rule="measure-other-case")


@dataclass(frozen=True)
class Column:
    """One column of an extract file."""

    danish: str
    english: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()  # allowed values of an enumeration (lower case)
    default: bool | None = None  # boolean columns: value of an empty cell
    future_ok: bool = False  # a date that may lie after the extract date (a deadline)
    open_end: bool = False  # an end date: after `MAX_YEAR` (e.g. 9999-12-31) means "no end"
    length: int | None = None  # longest text kept (TEXT/ENUM; ID, CPR, PARAGRAPH by type)
    references: Reference | None = None  # the file whose ids this column holds

    @property
    def max_length(self) -> int | None:
        """The longest value the store keeps (None: not text, or no limit)."""
        return self.length if self.length is not None else _TYPE_LENGTHS.get(self.type)


@dataclass(frozen=True)
class FileSpec:
    """One extract file: `name` is the Danish file name without extension."""

    name: str
    table: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # Danish column names, unique per file
    grain: str
    entity: str  # what one row is, in Danish messages: "sag", "foranstaltning"
    # (start, end) pairs of Danish date columns: end may not be before start.
    date_pairs: tuple[tuple[str, str], ...] = ()

    @property
    def danish_columns(self) -> list[str]:
        return [c.danish for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.danish for c in self.columns if c.required]

    def column(self, danish: str) -> Column:
        for c in self.columns:
            if c.danish == danish:
                return c
        raise KeyError(danish)

    def of_type(self, kind: str) -> list[Column]:
        """The columns of one type, in file order."""
        return [c for c in self.columns if c.type == kind]

    @property
    def rename(self) -> dict[str, str]:
        return {c.danish: c.english for c in self.columns}

    @property
    def references(self) -> list[Column]:
        """The columns that refer to another file, in file order."""
        return [c for c in self.columns if c.references is not None]

    @property
    def targets(self) -> set[str]:
        """The names of the files this file refers to."""
        return {c.references.target for c in self.references if c.references is not None}

    @property
    def case_column(self) -> Column | None:
        """The column referring to the file's case (`sag_id`), if any."""
        return next((c for c in self.columns if c.references == TO_CASE), None)


MAALGRUPPE = ("born", "voksen")
FORM = ("fremmoede", "telefon", "mail")
KLAGETYPE = ("realitet", "formalitet")
UDFALD = ("medhold", "delvist", "afvist", "hjemvist")

NAME_LENGTH = 200  # names, e-mails, titles
TEAM_LENGTH = 100  # teams, campaigns
CODE_LENGTH = 16  # centers and enumerations

FILES: tuple[FileSpec, ...] = (
    FileSpec(
        name="medarbejdere",
        table="employees",
        required=True,
        grain="one row per caseworker (one per row of medarbejdere.csv)",
        entity="medarbejder",
        key=("medarbejder_id",),
        columns=(
            Column("medarbejder_id", "employee_id", ID, required=True),
            Column("navn", "name", TEXT, required=True, length=NAME_LENGTH),
            Column("email", "email", TEXT, length=NAME_LENGTH),
            Column("center_kode", "center", TEXT, required=True, length=CODE_LENGTH),
            Column("team", "team", TEXT, length=TEAM_LENGTH),
            Column("aktiv", "active", BOOL, default=True),
        ),
    ),
    FileSpec(
        name="sager",
        table="cases",
        required=True,
        grain="one row per case (one per row of sager.csv)",
        entity="sag",
        key=("sag_id",),
        date_pairs=(("oprettet", "lukket"),),
        columns=(
            Column("sag_id", "case_id", ID, required=True),
            Column("cpr", "cpr", CPR, required=True),
            Column("maalgruppe", "target_group", ENUM, required=True, values=MAALGRUPPE, length=8),
            Column("center_kode", "center", TEXT, required=True, length=CODE_LENGTH),
            Column("team", "team", TEXT, length=TEAM_LENGTH),
            Column("sagsbehandler_id", "caseworker_id", ID, references=TO_CASEWORKER),
            Column("oprettet", "opened_on", DATE, required=True),
            Column("lukket", "closed_on", DATE, open_end=True),
            Column("akut", "acute", BOOL, default=False),
        ),
    ),
    FileSpec(
        name="foranstaltninger",
        table="measures",
        required=True,
        grain="one row per granted measure (one per row of foranstaltninger.csv)",
        entity="foranstaltning",
        key=("foranstaltning_id",),
        date_pairs=(("start", "slut"),),
        columns=(
            Column("foranstaltning_id", "measure_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True, references=TO_CASE),
            Column("paragraf", "paragraph", PARAGRAPH, required=True),
            Column("betegnelse", "title", TEXT, length=NAME_LENGTH),
            Column("bevilget", "decided_on", DATE),
            Column("start", "start_on", DATE, required=True),
            Column("slut", "end_on", DATE, open_end=True),
            # optional: empty (or absent) = unknown, the case's `akut` applies (kpis.md K1)
            Column("akut", "acute", BOOL, default=None),
        ),
    ),
    FileSpec(
        name="handleplaner",
        table="action_plans",
        required=True,
        grain="one row per action plan (one per row of handleplaner.csv)",
        entity="handleplan",
        key=("handleplan_id",),
        columns=(
            Column("handleplan_id", "plan_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True, references=TO_CASE),
            Column("udarbejdet", "made_on", DATE),
            Column("revideret", "revised_on", DATE),
            Column("tilbudt", "offered_on", DATE),
            Column("afslaaet", "declined", BOOL, default=False),
        ),
    ),
    FileSpec(
        name="opfoelgninger",
        table="follow_ups",
        required=True,
        grain="one row per follow-up done (one per row of opfoelgninger.csv)",
        entity="opfølgning",
        key=("opfoelgning_id",),
        columns=(
            Column("opfoelgning_id", "follow_up_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True, references=TO_CASE),
            Column("foranstaltning_id", "measure_id", ID, references=TO_MEASURE),
            Column("dato", "done_on", DATE, required=True),
            Column("form", "form", ENUM, values=FORM, length=CODE_LENGTH),
            Column("naeste_frist", "next_due_on", DATE, future_ok=True),
        ),
    ),
    FileSpec(
        name="undersoegelser",
        table="investigations",
        required=True,
        grain="one row per child-welfare investigation (one per row of undersoegelser.csv)",
        entity="undersøgelse",
        key=("undersoegelse_id",),
        date_pairs=(("startdato", "afsluttet"),),
        columns=(
            Column("undersoegelse_id", "investigation_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True, references=TO_CASE),
            Column("startdato", "start_on", DATE, required=True),
            Column("afsluttet", "completed_on", DATE),
        ),
    ),
    FileSpec(
        name="ansoegninger",
        table="applications",
        required=True,
        grain="one row per application (one per row of ansoegninger.csv)",
        entity="ansøgning",
        key=("ansoegning_id",),
        date_pairs=(("modtaget", "afgjort"),),
        columns=(
            Column("ansoegning_id", "application_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True, references=TO_CASE),
            Column("ydelse", "benefit", TEXT, required=True, length=ID_LENGTH),
            Column("modtaget", "received_on", DATE, required=True),
            Column("afgjort", "decided_on", DATE),
            Column("underretning_sendt", "letter_sent_on", DATE),
        ),
    ),
    FileSpec(
        name="klager",
        table="complaints",
        required=False,
        grain="one row per complaint (one per row of klager.csv)",
        entity="klage",
        key=("klage_id",),
        date_pairs=(("modtaget", "afgjort"),),
        columns=(
            Column("klage_id", "complaint_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True, references=TO_CASE),
            Column("paragraf", "paragraph", PARAGRAPH),
            Column(
                "klagetype",
                "complaint_type",
                ENUM,
                required=True,
                values=KLAGETYPE,
                length=CODE_LENGTH,
            ),
            Column("modtaget", "received_on", DATE, required=True),
            Column("afgjort", "decided_on", DATE),
            Column("udfald", "outcome", ENUM, values=UDFALD, length=CODE_LENGTH),
        ),
    ),
    FileSpec(
        name="gennemgange",
        table="reviews",
        required=False,
        grain="one row per case per review campaign (one per row of gennemgange.csv)",
        entity="gennemgang",
        key=("sag_id", "kampagne"),
        columns=(
            Column("sag_id", "case_id", ID, required=True, references=TO_CASE),
            Column("kampagne", "campaign", TEXT, required=True, length=TEAM_LENGTH),
            Column("gennemgaaet", "reviewed_on", DATE),
        ),
    ),
)

BY_NAME: dict[str, FileSpec] = {f.name: f for f in FILES}
BY_TABLE: dict[str, FileSpec] = {f.table: f for f in FILES}

MANIFEST = "manifest"
MANIFEST_DATE = "udtraeksdato"
MANIFEST_SOURCE = "kilde"

EXTENSIONS = (".csv", ".xlsx")

# Dates accepted anywhere in an extract: from 1 January MIN_YEAR to 31 December
# MAX_YEAR. Later than that is "no end" in an `open_end` column, an error elsewhere.
MIN_YEAR = 1990
MAX_YEAR = 2100


def max_lengths() -> dict[str, dict[str, int]]:
    """Longest text kept per English column per table (the store's column lengths)."""
    return {
        spec.table: {c.english: c.max_length for c in spec.columns if c.max_length is not None}
        for spec in FILES
    }


def load_order(specs: Iterable[FileSpec] = FILES) -> list[FileSpec]:
    """The files with every referred-to file before the files referring to it.

    Ties keep the given order; a file referring to one not among `specs` is
    placed as if that reference were met.
    """
    todo = list(specs)
    names = {f.name for f in todo}
    done: list[FileSpec] = []
    while todo:
        placed = {f.name for f in done}
        ready = next(
            (f for f in todo if all(t in placed or t not in names for t in f.targets)), None
        )
        if ready is None:  # pragma: no cover - a programming error in FILES
            raise RuntimeError(f"contract: circular references among {[f.name for f in todo]}")
        done.append(ready)
        todo.remove(ready)
    return done


# Every declared reference as (referring file, column): the contract's cross-file rules.
REFERENCES: tuple[tuple[FileSpec, Column], ...] = tuple(
    (spec, column) for spec in FILES for column in spec.references
)
