"""The extract contract as data (see `/work/shared/domain/extract-format.md`).

Per file: its Danish name, whether it is required, the store table it loads
into, and per column the Danish name, the English store column, the type,
whether a value is required, the allowed values (enumerations) and the
boolean default. Everything else in the ETL reads this module; nothing else
spells a Danish column name.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.models import DATA_MODELS

# Column types (cast in `etl.staging`, checked in `etl.validate`).
ID = "id"  # a key or a reference: text, stripped
TEXT = "text"
DATE = "date"
BOOL = "bool"
CPR = "cpr"
PARAGRAPH = "paragraph"
ENUM = "enum"


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


@dataclass(frozen=True)
class FileSpec:
    """One extract file: `name` is the Danish file name without extension."""

    name: str
    table: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # Danish column names, unique per file
    grain: str
    # (start, end) pairs of Danish date columns: end may not be before start.
    date_pairs: tuple[tuple[str, str], ...] = ()
    case_ref: str | None = "sag_id"  # the column referring to sager.csv, if any

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

    @property
    def rename(self) -> dict[str, str]:
        return {c.danish: c.english for c in self.columns}


MAALGRUPPE = ("born", "voksen")
FORM = ("fremmoede", "telefon", "mail")
KLAGETYPE = ("realitet", "formalitet")
UDFALD = ("medhold", "delvist", "afvist", "hjemvist")

FILES: tuple[FileSpec, ...] = (
    FileSpec(
        name="medarbejdere",
        table="employees",
        required=True,
        grain="one row per caseworker (one per row of medarbejdere.csv)",
        key=("medarbejder_id",),
        case_ref=None,
        columns=(
            Column("medarbejder_id", "employee_id", ID, required=True),
            Column("navn", "name", TEXT, required=True),
            Column("email", "email", TEXT),
            Column("center_kode", "center", TEXT, required=True),
            Column("team", "team", TEXT),
            Column("aktiv", "active", BOOL, default=True),
        ),
    ),
    FileSpec(
        name="sager",
        table="cases",
        required=True,
        grain="one row per case (one per row of sager.csv)",
        key=("sag_id",),
        case_ref=None,
        date_pairs=(("oprettet", "lukket"),),
        columns=(
            Column("sag_id", "case_id", ID, required=True),
            Column("cpr", "cpr", CPR, required=True),
            Column("maalgruppe", "target_group", ENUM, required=True, values=MAALGRUPPE),
            Column("center_kode", "center", TEXT, required=True),
            Column("team", "team", TEXT),
            Column("sagsbehandler_id", "caseworker_id", ID),
            Column("oprettet", "opened_on", DATE, required=True),
            Column("lukket", "closed_on", DATE),
            Column("akut", "acute", BOOL, default=False),
        ),
    ),
    FileSpec(
        name="foranstaltninger",
        table="measures",
        required=True,
        grain="one row per granted measure (one per row of foranstaltninger.csv)",
        key=("foranstaltning_id",),
        date_pairs=(("start", "slut"),),
        columns=(
            Column("foranstaltning_id", "measure_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True),
            Column("paragraf", "paragraph", PARAGRAPH, required=True),
            Column("betegnelse", "title", TEXT),
            Column("bevilget", "decided_on", DATE),
            Column("start", "start_on", DATE, required=True),
            Column("slut", "end_on", DATE),
        ),
    ),
    FileSpec(
        name="handleplaner",
        table="action_plans",
        required=True,
        grain="one row per action plan (one per row of handleplaner.csv)",
        key=("handleplan_id",),
        columns=(
            Column("handleplan_id", "plan_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True),
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
        key=("opfoelgning_id",),
        columns=(
            Column("opfoelgning_id", "follow_up_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True),
            Column("foranstaltning_id", "measure_id", ID),
            Column("dato", "done_on", DATE, required=True),
            Column("form", "form", ENUM, values=FORM),
            Column("naeste_frist", "next_due_on", DATE, future_ok=True),
        ),
    ),
    FileSpec(
        name="undersoegelser",
        table="investigations",
        required=True,
        grain="one row per child-welfare investigation (one per row of undersoegelser.csv)",
        key=("undersoegelse_id",),
        date_pairs=(("startdato", "afsluttet"),),
        columns=(
            Column("undersoegelse_id", "investigation_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True),
            Column("startdato", "start_on", DATE, required=True),
            Column("afsluttet", "completed_on", DATE),
        ),
    ),
    FileSpec(
        name="ansoegninger",
        table="applications",
        required=True,
        grain="one row per application (one per row of ansoegninger.csv)",
        key=("ansoegning_id",),
        date_pairs=(("modtaget", "afgjort"),),
        columns=(
            Column("ansoegning_id", "application_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True),
            Column("ydelse", "benefit", TEXT, required=True),
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
        key=("klage_id",),
        date_pairs=(("modtaget", "afgjort"),),
        columns=(
            Column("klage_id", "complaint_id", ID, required=True),
            Column("sag_id", "case_id", ID, required=True),
            Column("paragraf", "paragraph", PARAGRAPH),
            Column("klagetype", "complaint_type", ENUM, required=True, values=KLAGETYPE),
            Column("modtaget", "received_on", DATE, required=True),
            Column("afgjort", "decided_on", DATE),
            Column("udfald", "outcome", ENUM, values=UDFALD),
        ),
    ),
    FileSpec(
        name="gennemgange",
        table="reviews",
        required=False,
        grain="one row per case per review campaign (one per row of gennemgange.csv)",
        key=("sag_id", "kampagne"),
        columns=(
            Column("sag_id", "case_id", ID, required=True),
            Column("kampagne", "campaign", TEXT, required=True),
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

# Earliest date accepted anywhere in an extract.
MIN_YEAR = 1990


def max_lengths() -> dict[str, dict[str, int]]:
    """Maximum text length per English column per table, read from `store.models`."""
    out: dict[str, dict[str, int]] = {}
    for model in DATA_MODELS:
        lengths: dict[str, int] = {}
        for col in model.__table__.columns:
            length = getattr(col.type, "length", None)
            if length:
                lengths[col.name] = int(length)
        out[model.__tablename__] = lengths
    return out


def _check_against_models() -> None:
    """The contract's English names must be the store's column names (import-time check)."""
    tables = {m.__tablename__: {c.name for c in m.__table__.columns} for m in DATA_MODELS}
    for spec in FILES:
        missing = {c.english for c in spec.columns} - tables[spec.table]
        if missing:  # pragma: no cover - a programming error
            raise RuntimeError(f"contract {spec.name}: not in store model: {sorted(missing)}")


_check_against_models()
