"""The deadline rule file: loading and validation.

Rules are configuration (`monitoring/rules.yaml`, path from `settings.RULES_FILE`).
`load_rules` validates every entry and raises `RulesError` naming the bad entry,
e.g. ``rules.yaml: law_rules[3] (BL46): interval_months must be a positive integer``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import settings

KPIS: tuple[str, ...] = ("K1", "K2", "K3", "K4a", "K4b", "K5", "K6", "K7a", "K7b", "K8")
RULE_KINDS: tuple[str, ...] = ("handleplan", "follow-up", "shelter-plan", "investigation")
TARGET_GROUPS: tuple[str, ...] = ("born", "voksen", "any")


class RulesError(ValueError):
    """The rule file is missing, unreadable or has an invalid entry."""


@dataclass(frozen=True)
class LawRule:
    """One row of the rule table: which measures it covers and what it requires."""

    id: str
    kind: str
    law: str
    paragraph: str
    patterns: tuple[str, ...]
    target_group: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    enabled: bool
    text: str
    text_next: str
    text_acute: str
    text_parallel: str
    anchor: str = "start"
    months: int = 0
    acute_months: int | None = None
    first_months: int = 0
    interval_months: int = 0
    use_next_due: bool = False
    parallel_investigation: bool = False
    grace_months: int = 0

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in self.patterns))


DEADLINE_UNITS = ("working_days", "weeks", "months")


@dataclass(frozen=True)
class Deadline:
    """A processing deadline (kpis.md, K7): weeks and months are calendar periods (moved
    to the next working day when they end on a day off); working days count working days.

    `working_days` is the approximate length in working days (a week is 5, a month 21),
    kept for rough estimates (the demo's simulation); the due date uses `unit`/`amount`.
    """

    working_days: int
    label: str  # Danish, e.g. "8 uger"
    unit: str = "working_days"  # one of DEADLINE_UNITS
    amount: int | None = None  # in `unit`; None: `working_days`

    @property
    def count(self) -> int:
        """The deadline's length in its own unit."""
        return self.working_days if self.amount is None else self.amount


_CODE_LAW = re.compile(
    r"^\s*(serviceloven?s?|lov\s+om\s+social\s+service|barnets\s+lov|sel|bl)\.?\s*(.*)$",
    re.IGNORECASE,
)
_CODE_SECTION = re.compile(
    r"^§?\s*(\d+)\s*([a-zA-Z])?(?:\s*[,.]?\s*(?:stk\.?)?\s*(\d+))?"
    r"(?:\s*[,.]?\s*(?:nr\.?)?\s*(\d+))?\s*[.,]?\s*$",
    re.IGNORECASE,
)


def normalise_code(text: str) -> str:
    """A paragraph or benefit code as the canonical code: `SEL § 85` = `sel85` = `SEL85`,
    `SEL § 52, stk. 3, nr. 7` -> `SEL52.3.7`. Anything else: upper-cased, spaces removed."""
    raw = str(text).strip()
    law = _CODE_LAW.match(raw)
    if law:
        section = _CODE_SECTION.match(law.group(2))
        if section:
            name = law.group(1).lower()
            code = "BL" if name.startswith("b") else "SEL"
            number, letter, stk, nr = section.groups()
            code += number + (letter.lower() if letter else "")
            if stk:
                code += "." + stk + ("." + nr if nr else "")
            return code
    return re.sub(r"\s+", "", raw).upper()


def code_family(code: str) -> list[str]:
    """The code and its families, most specific first: SEL52.3.7 -> SEL52.3.7, SEL52.3, SEL52."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


@dataclass(frozen=True)
class CodeFamily:
    """A child measure's code family under Serviceloven and its Barnets Lov successor
    (kpis.md, "Codes cross the 2024 switch"): `sel`/`bl` are a code (`SEL52.3.7`,
    matching it and its sub-codes) or a family glob (`SEL52.3.*`, matching the family
    and its sub-codes)."""

    sel: str
    bl: str


def _family_matches(code: str, family: str) -> bool:
    base = family[:-2] if family.endswith(".*") else family
    return code == base or code.startswith(base + ".")


def _family_base(family: str) -> str:
    return family[:-2] if family.endswith(".*") else family


@dataclass(frozen=True)
class Campaign:
    name: str
    milestones: tuple[tuple[dt.date, int], ...]
    label: str = ""  # Danish, for the dashboard ("Genopretning af sager efter SEL §§ 41-42")


@dataclass(frozen=True)
class KpiLabel:
    label: str
    explanation: str


@dataclass(frozen=True)
class Rules:
    """The validated rule file."""

    law_switch: dt.date
    kpi_window_months: int
    due_soon_days: int
    law_rules: tuple[LawRule, ...]
    processing_law: str
    processing_paragraph: str
    processing_default: Deadline
    processing: dict[str, Deadline]
    default_target: float
    kpi_targets: dict[str, float]
    center_targets: dict[str, dict[str, float]]
    campaigns: tuple[Campaign, ...]
    kpi_labels: dict[str, KpiLabel]
    source: str = field(default="rules.yaml")
    # (month, day) marked every year on the trend charts, e.g. the year-end target date
    trend_milestones: tuple[tuple[int, int], ...] = ((12, 31),)
    code_families: tuple[CodeFamily, ...] = ()
    # the case's acute flag applies to measures started within this many days of opening
    acute_window_days: int = 30
    # a plan counts for a measure when made/revised at most this many months before its decision
    plan_window_months: int = 12

    @property
    def kpis(self) -> dict[str, KpiLabel]:
        """KPI code -> Danish label and explanation (alias of kpi_labels, for the UI)."""
        return self.kpi_labels

    def target(self, kpi: str, center: str | None = None) -> float:
        """The target of a KPI, with the center's override if any."""
        if center and kpi in self.center_targets.get(center, {}):
            return self.center_targets[center][kpi]
        return self.kpi_targets.get(kpi, self.default_target)

    def code_under_law(self, code: str, after_switch: bool) -> str:
        """A child measure's code as read under the law in force (the configured code
        families): after the switch a Serviceloven code becomes its Barnets Lov family
        (`SEL52.3.7` -> `BL46`), before it a Barnets Lov code its Serviceloven family
        (`BL46` -> `SEL52.3.7`); any other code is unchanged. First family that matches."""
        for family in self.code_families:
            source, target = (family.sel, family.bl) if after_switch else (family.bl, family.sel)
            if _family_matches(code, source):
                return _family_base(target)
        return code

    def deadline_code(self, benefit: str) -> str | None:
        """The processing-table entry a benefit code uses (normalised, with family
        fallback: `SEL85.1` -> `SEL85`); None when no entry matches (the default applies)."""
        if not str(benefit).strip():
            return None
        for code in code_family(normalise_code(benefit)):
            if code in self.processing:
                return code
        return None

    def deadline(self, benefit: str) -> Deadline:
        """The processing deadline of a benefit code (the default for an unknown code)."""
        code = self.deadline_code(benefit)
        return self.processing_default if code is None else self.processing[code]

    def of_kind(self, kind: str) -> list[tuple[int, LawRule]]:
        """(index, rule) of the enabled rules of a kind, in file order."""
        return [(i, r) for i, r in enumerate(self.law_rules) if r.kind == kind and r.enabled]


# ------------------------------------------------------------------- validation
class _Entry:
    """Typed access to one mapping of the file, with errors naming the entry."""

    def __init__(self, where: str, raw: Any) -> None:
        self.where = where
        if not isinstance(raw, dict):
            raise RulesError(f"{where}: must be a mapping")
        self.raw = raw

    def fail(self, msg: str) -> RulesError:
        return RulesError(f"{self.where}: {msg}")

    def str_(self, key: str, default: str | None = None) -> str:
        v = self.raw.get(key, default)
        if not isinstance(v, str) or not v.strip():
            raise self.fail(f"{key} must be a non-empty text")
        return v

    def int_(self, key: str, default: int | None = None, *, positive: bool = True) -> int:
        v = self.raw.get(key, default)
        ok = isinstance(v, int) and not isinstance(v, bool) and (v > 0 if positive else v >= 0)
        if not ok:
            kind = "a positive integer" if positive else "a non-negative integer"
            raise self.fail(f"{key} must be {kind}")
        return int(v)  # type: ignore[arg-type]

    def opt_int(self, key: str) -> int | None:
        return None if self.raw.get(key) is None else self.int_(key)

    def bool_(self, key: str, default: bool) -> bool:
        v = self.raw.get(key, default)
        if not isinstance(v, bool):
            raise self.fail(f"{key} must be true or false")
        return v

    def date_(self, key: str) -> dt.date | None:
        v = self.raw.get(key)
        if v is None or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)):
            return v
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                pass
        raise self.fail(f"{key} must be a date YYYY-MM-DD")

    def share(self, key: str, v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise self.fail(f"{key} must be a share between 0 and 1")
        return float(v)


def _law_rule(i: int, raw: Any) -> LawRule:
    rid = raw.get("id", "?") if isinstance(raw, dict) else "?"
    e = _Entry(f"rules.yaml: law_rules[{i}] ({rid})", raw)
    rid = e.str_("id")
    kind = e.str_("kind")
    if kind not in RULE_KINDS:
        raise e.fail(f"kind must be one of {', '.join(RULE_KINDS)}")
    patterns = raw.get("patterns", [])
    if kind != "investigation" and (
        not isinstance(patterns, list)
        or not patterns
        or not all(isinstance(p, str) and p for p in patterns)
    ):
        raise e.fail("patterns must be a non-empty list of paragraph-code patterns")
    tg = raw.get("target_group", "any")
    if tg not in TARGET_GROUPS:
        raise e.fail(f"target_group must be one of {', '.join(TARGET_GROUPS)}")
    vf, vt = e.date_("valid_from"), e.date_("valid_to")
    if vf and vt and vt < vf:
        raise e.fail("valid_to is before valid_from")
    text = e.str_("text")
    kw: dict[str, Any] = {}
    if kind == "handleplan":
        anchor = raw.get("anchor", "start")
        if anchor not in ("start", "decision"):
            raise e.fail("anchor must be start or decision")
        kw = {
            "anchor": anchor,
            "months": e.int_("months", 0, positive=False),
            "acute_months": e.opt_int("acute_months"),
        }
    elif kind == "follow-up":
        kw = {
            "first_months": e.int_("first_months"),
            "interval_months": e.int_("interval_months"),
            "use_next_due": e.bool_("use_next_due", False),
            "parallel_investigation": e.bool_("parallel_investigation", False),
        }
    elif kind == "shelter-plan":
        kw = {"grace_months": e.int_("grace_months")}
    else:
        kw = {"months": e.int_("months")}
    return LawRule(
        id=rid,
        kind=kind,
        law=e.str_("law"),
        paragraph=str(raw.get("paragraph") or ""),
        patterns=tuple(patterns or ()),
        target_group=tg,
        valid_from=vf,
        valid_to=vt,
        enabled=e.bool_("enabled", True),
        text=text,
        text_next=str(raw.get("text_next") or text),
        text_acute=str(raw.get("text_acute") or text),
        text_parallel=str(raw.get("text_parallel") or text),
        **kw,
    )


def _deadline(where: str, raw: Any) -> Deadline:
    e = _Entry(where, raw)
    if set(raw) == {"weeks"}:
        n = e.int_("weeks")
        return Deadline(n * 5, f"{n} uger", "weeks", n)
    if set(raw) == {"months"}:
        n = e.int_("months")
        return Deadline(n * 21, f"{n} måneder" if n != 1 else "1 måned", "months", n)
    if set(raw) == {"working_days"}:
        n = e.int_("working_days")
        return Deadline(n, f"{n} arbejdsdage", "working_days", n)
    raise e.fail("must be {weeks: N}, {months: N} or {working_days: N}")


def parse_rules(doc: Any, source: str = "rules.yaml") -> Rules:
    """Validate a parsed rule document (a mapping) into `Rules`."""
    top = _Entry("rules.yaml", doc)
    law_switch = top.date_("law_switch") or dt.date(2024, 1, 1)
    raw_rules = doc.get("law_rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError("rules.yaml: law_rules must be a non-empty list")
    law_rules = tuple(_law_rule(i, r) for i, r in enumerate(raw_rules))
    seen: set[str] = set()
    for i, r in enumerate(law_rules):
        if r.id in seen:
            raise RulesError(f"rules.yaml: law_rules[{i}] ({r.id}): duplicate id")
        seen.add(r.id)

    proc = _Entry("rules.yaml: processing", doc.get("processing"))
    table = proc.raw.get("deadlines", {})
    if not isinstance(table, dict):
        raise proc.fail("deadlines must be a mapping of benefit code -> deadline")
    processing = {
        normalise_code(str(code)): _deadline(f"rules.yaml: processing.deadlines[{code}]", v)
        for code, v in table.items()
    }
    default_deadline = _deadline("rules.yaml: processing.default", proc.raw.get("default"))

    tg = _Entry("rules.yaml: targets", doc.get("targets", {"default": 0.95}))
    default_target = tg.share("default", tg.raw.get("default", 0.95))
    kpi_targets: dict[str, float] = {}
    for k, v in tg.raw.items():
        if k in ("default", "centers"):
            continue
        if k not in KPIS:
            raise tg.fail(f"unknown KPI {k!r} (known: {', '.join(KPIS)})")
        kpi_targets[k] = tg.share(k, v)
    centers_raw = tg.raw.get("centers") or {}
    if not isinstance(centers_raw, dict):
        raise tg.fail("centers must be a mapping center -> {KPI: target}")
    center_targets: dict[str, dict[str, float]] = {}
    for c, m in centers_raw.items():
        ce = _Entry(f"rules.yaml: targets.centers[{c}]", m)
        for k in m:
            if k not in KPIS:
                raise ce.fail(f"unknown KPI {k!r}")
        center_targets[str(c)] = {k: ce.share(k, v) for k, v in m.items()}

    campaigns: list[Campaign] = []
    for i, raw in enumerate(doc.get("campaigns") or []):
        name = raw.get("name", "?") if isinstance(raw, dict) else "?"
        ce = _Entry(f"rules.yaml: campaigns[{i}] ({name})", raw)
        name = ce.str_("name")
        ms = raw.get("milestones") or {}
        if not isinstance(ms, dict):
            raise ce.fail("milestones must be a mapping date -> remaining cases")
        pairs: list[tuple[dt.date, int]] = []
        for d, n in ms.items():
            me = _Entry(ce.where, {"date": d, "remaining": n})
            day = me.date_("date")
            assert day is not None
            pairs.append((day, me.int_("remaining", positive=False)))
        label = str(raw.get("label") or "").strip()
        campaigns.append(Campaign(name, tuple(sorted(pairs)), label))

    labels: dict[str, KpiLabel] = {}
    kraw = doc.get("kpis") or {}
    for k in KPIS:
        ke = _Entry(f"rules.yaml: kpis[{k}]", kraw.get(k))
        labels[k] = KpiLabel(ke.str_("label"), ke.str_("explanation"))

    return Rules(
        law_switch=law_switch,
        kpi_window_months=top.int_("kpi_window_months", 12),
        due_soon_days=top.int_("due_soon_days", 30, positive=False),
        law_rules=law_rules,
        processing_law=str(proc.raw.get("law") or "Rtsl"),
        processing_paragraph=str(proc.raw.get("paragraph") or "§ 3 stk. 2"),
        processing_default=default_deadline,
        processing=processing,
        default_target=default_target,
        kpi_targets=kpi_targets,
        center_targets=center_targets,
        campaigns=tuple(campaigns),
        kpi_labels=labels,
        source=source,
        trend_milestones=_trend_milestones(top, doc.get("trend_milestones", ["12-31"])),
        code_families=_code_families(top, doc.get("code_families") or []),
        acute_window_days=top.int_("acute_window_days", 30, positive=False),
        plan_window_months=top.int_("plan_window_months", 12),
    )


def _code_families(top: _Entry, raw: Any) -> tuple[CodeFamily, ...]:
    if not isinstance(raw, list):
        raise top.fail("code_families must be a list of {sel: CODE, bl: CODE}")
    out: list[CodeFamily] = []
    for i, item in enumerate(raw):
        entry = _Entry(f"rules.yaml: code_families[{i}]", item)
        sel, bl = entry.str_("sel"), entry.str_("bl")
        if not sel.upper().startswith("SEL") or not bl.upper().startswith("BL"):
            raise entry.fail("sel must be a SEL code and bl a BL code")
        out.append(CodeFamily(sel, bl))
    return tuple(out)


def _trend_milestones(top: _Entry, raw: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(raw, list):
        raise top.fail("trend_milestones must be a list of month-days like '12-31'")
    out: list[tuple[int, int]] = []
    for item in raw:
        try:
            month, day = (int(x) for x in str(item).split("-"))
            dt.date(2024, month, day)  # a leap year: 02-29 is a valid yearly date
        except ValueError:
            raise top.fail(f"trend_milestones: {item!r} is not a month-day like '12-31'") from None
        out.append((month, day))
    return tuple(sorted(out))


def load_rules(path: Path | None = None) -> Rules:
    """Load and validate the rule file (default: the RULES_FILE setting)."""
    p = Path(path) if path is not None else Path(settings.RULES_FILE.get())
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"rules file {p}: cannot be read ({exc})") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"rules file {p}: not valid YAML ({exc})") from exc
    return parse_rules(doc, source=str(p))


# Bump when the engine computes KPIs differently from the same rules (a stored history
# computed by an older engine is then recomputed by the next load).
ENGINE_VERSION = "2026-11 rules revision (K7a/K7b, BL47, plan window, code families)"


def rules_fingerprint(rules: Rules) -> str:
    """A short fingerprint of the rules and the engine version: the stored history
    records it, and a history computed by other rules is recomputed."""
    import hashlib

    return hashlib.sha256(f"{ENGINE_VERSION}\n{rules!r}".encode()).hexdigest()[:32]
