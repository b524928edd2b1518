"""Forms drawn from the pydantic models: one call per step form, errors shown where they belong.

Why a generic renderer: the app has some twenty step forms, and every one of them must (a) validate
through its :mod:`remediation.domain.models` model — the single statement of what may be recorded — and
(b) show each error directly under the field it is about, keeping what the user typed, with nothing
half-saved. Hand-written widgets would repeat the models' types, limits, vocabularies and privacy
reminders twenty times and drift from them; here the widget, its options and its limits are read
from the model's annotations, so a change to a model changes its form.

How errors reach their field: Streamlit draws top to bottom, so an error only known after the submit
button has been read cannot be drawn above it in the same run. The messages are therefore stored in
``st.session_state[f"{key}.__errors"]`` (field → messages; ``None`` for the whole form) and the script
reruns; the next run draws each message right after its widget. Widget keys (``f"{key}.{field}"``)
keep the typed values across that rerun. A model-level rule names its field by starting its message
with ``"field: "`` (:func:`remediation.domain.models.field_of_error`); the service layer does the same for
what it refuses after validation, which :func:`show_errors` places the same way.

Required values are never pre-filled: a yes/no decision is a radio with nothing chosen, a required
date or choice starts empty, so a form cannot record a decision nobody took.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import streamlit as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from sqlalchemy.exc import DBAPIError

from pages._auth import can_edit, current_actor_name
from pages._data import after_write, get_engine, load_incident, settings
from pages._evidence import UPLOAD_EXTENSIONS
from pages._text import md, plain_error
from remediation.domain import vocab
from remediation.domain.evidence import fact_label
from remediation.domain.models import NO_NAMES_REMINDER, PastDate, field_of_error
from remediation.services.base import Actor, diff
from remediation.services.evidence import UPLOAD_REMINDER, Attachment, DocumentRefused, DocumentsMissing
from remediation.storage.records import ConflictError

ERROR_ICON = ":material/error:"
PRIVACY_ICON = ":material/privacy_tip:"
NOT_RECORDED = "Not recorded"
# st.date_input otherwise offers only the last ten years; older incidents are still reported.
EARLIEST_DATE = date(1980, 1, 1)
# Text allowed to be longer than this gets a multi-line box: notes and summaries, not names or codes.
SHORT_TEXT_MAX = 200

Errors = dict[str | None, list[str]]
"""Messages by field name; ``None`` holds messages about the form as a whole."""

DOCUMENT = "document"
"""The name of a step form's optional file field (the document behind the fact), for its errors and its label."""

DocumentFor = tuple[str, "int | None | Callable[[BaseModel], int | None]"]
"""The evidence kind a step form's file supports, and its plan level (a number, or read from what was submitted)."""


# --- Reading a model field ----------------------------------------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    """What the form needs to know about one model field, read from its annotation."""

    name: str
    kind: str                  # bool, date, choice, choices, tags, int, money, float, text
    base: Any                  # the annotation without Optional/Annotated
    optional: bool             # None is a valid value
    default: Any               # PydanticUndefined when the field is required
    metadata: tuple
    description: str

    @property
    def required(self) -> bool:
        return self.default is PydanticUndefined

    def constraint(self, name: str) -> Any:
        """The first ``ge``, ``le``, ``max_length``… among the field's constraints, else None."""
        return next((v for m in self.metadata if (v := getattr(m, name, None)) is not None), None)

    @property
    def past_only(self) -> bool:
        return any(m in PastDate.__metadata__ for m in self.metadata)


def _unwrap(annotation: Any, metadata: list) -> tuple[Any, bool, list]:
    """Strip Annotated (keeping its constraints) and ``| None`` (noting it) down to the base type."""
    optional = False
    while True:
        if get_origin(annotation) is Annotated:
            metadata = [*metadata, *annotation.__metadata__]
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation, optional, metadata
            optional, annotation = True, rest[0]
        else:
            return annotation, optional, metadata


def _kind(base: Any) -> str | None:
    if base is bool:
        return "bool"
    if base is date:
        return "date"
    if get_origin(base) is Literal:
        return "choice"
    if base is int:
        return "int"
    if base is Decimal:
        return "money"
    if base is float:
        return "float"
    if base is str:
        return "text"
    if get_origin(base) is list:
        item, _, _ = _unwrap(get_args(base)[0], [])
        if get_origin(item) is Literal:
            return "choices"
        if item is str:
            return "tags"
    return None


def describe(model: type[BaseModel], name: str) -> FieldSpec:
    info: FieldInfo = model.model_fields[name]
    base, optional, metadata = _unwrap(info.annotation, list(info.metadata))
    kind = _kind(base)
    if kind is None:
        raise TypeError(f"{model.__name__}.{name} ({info.annotation!r}) has no form widget; "
                        f"exclude it or give it a form of its own")
    default = info.default if info.default_factory is None else info.default_factory()
    return FieldSpec(name, kind, base, optional, default, tuple(metadata), info.description or "")


# --- Labels --------------------------------------------------------------------------------------

def humanise(name: object) -> str:
    """``decided_on`` → ``Decided on``; ``USD`` stays ``USD``."""
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


def _vocabularies() -> dict[frozenset, dict]:
    return {frozenset(v): v for v in vars(vocab).values()
            if isinstance(v, dict) and v and all(isinstance(label, str) for label in v.values())}  # id → label only


VOCABULARIES = _vocabularies()


def vocabulary_for(values: Iterable) -> dict:
    """Labels for a Literal's values: the vocabulary with exactly these keys, else the one sharing most
    of them, each missing value humanised (``"none"`` → ``"None"``)."""
    values = list(values)
    exact = VOCABULARIES.get(frozenset(values))
    if exact is not None:
        return {v: exact[v] for v in values}
    overlap = max(VOCABULARIES, key=lambda keys: len(keys & set(values)), default=frozenset())
    best = VOCABULARIES.get(overlap, {}) if overlap & set(values) else {}
    return {v: best.get(v, humanise(v)) for v in values}


def _item_literal(spec: FieldSpec) -> Any:
    item, _, _ = _unwrap(get_args(spec.base)[0], [])
    return item


def options_for(spec: FieldSpec, choices: Mapping | None) -> dict:
    """id → label for a choice field: the page's ``choices`` when given, else the model's Literal."""
    if choices is not None:
        return dict(choices)
    literal = spec.base if spec.kind == "choice" else _item_literal(spec) if spec.kind == "choices" else None
    return vocabulary_for(get_args(literal)) if literal is not None else {}


def _help_and_reminder(spec: FieldSpec, help_text: str | None) -> tuple[str | None, bool]:
    """The hover help, and whether the victims' privacy reminder must be shown under the field.

    The reminder is drawn visibly, so it is dropped from the hover text rather than said twice."""
    reminder = NO_NAMES_REMINDER in spec.description
    text = help_text if help_text is not None else spec.description.replace(NO_NAMES_REMINDER, "").strip()
    return text or None, reminder


# --- One widget per kind -------------------------------------------------------------------------

@dataclass(frozen=True)
class Widget:
    """The arguments every widget of one field shares."""

    spec: FieldSpec
    key: str
    label: str
    help: str | None
    initial: Any               # the starting value: defaults[field], else the model's default, else None
    options: dict              # id → label, for choice fields
    disabled: bool

    @property
    def common(self) -> dict:
        return {"key": self.key, "help": self.help, "disabled": self.disabled}


def _bool(w: Widget) -> bool | None:
    """A bool with a default is a checkbox; otherwise the user must answer Yes or No (or, when the
    model allows it, say the answer is not recorded): nothing is pre-chosen."""
    if not (w.spec.required or w.spec.optional):
        return st.checkbox(w.label, value=bool(w.initial), **w.common)
    options: list = [True, False, None] if w.spec.optional else [True, False]
    index = next((i for i, o in enumerate(options) if o is w.initial), None)
    names = {True: "Yes", False: "No", None: NOT_RECORDED}
    return st.radio(w.label, options, index=index, format_func=names.__getitem__, horizontal=True, **w.common)


def _date(w: Widget) -> date | None:
    # The bounds never exclude the starting value (Streamlit would refuse to draw it): a stored date
    # outside them is shown as it is, and the model says what is wrong with it on submit.
    initial = w.initial if isinstance(w.initial, date) else None
    min_value = min(EARLIEST_DATE, initial or EARLIEST_DATE)
    max_value = max(date.today(), initial or date.today()) if w.spec.past_only else None
    return st.date_input(w.label, value=w.initial, min_value=min_value, max_value=max_value,
                         format="YYYY-MM-DD", **w.common)


def _choice(w: Widget) -> Any:
    options = list(w.options)
    if w.spec.optional:
        options = [None, *options]
    names = {None: NOT_RECORDED, **w.options}
    index = options.index(w.initial) if w.initial in options else None
    return st.selectbox(w.label, options, index=index, format_func=lambda v: names.get(v, str(v)),
                        placeholder="Choose…", **w.common)


def _choices(w: Widget) -> list:
    initial = [v for v in (w.initial or []) if v in w.options]
    return st.multiselect(w.label, list(w.options), default=initial,
                          format_func=lambda v: w.options.get(v, str(v)), placeholder="Choose…", **w.common)


def _tags(w: Widget) -> list[str]:
    initial = list(w.initial or [])
    options = list(dict.fromkeys([*w.options, *initial]))
    return st.multiselect(w.label, options, default=initial, accept_new_options=True,
                          format_func=lambda v: w.options.get(v, str(v)),
                          placeholder="Choose or type a new one…", **w.common)


def _int(w: Widget) -> int | None:
    return st.number_input(w.label, min_value=w.spec.constraint("ge"), max_value=w.spec.constraint("le"),
                           value=w.initial, step=1, **w.common)


def _money(w: Widget) -> Decimal | None:
    value = st.number_input(w.label, min_value=0.0, value=None if w.initial is None else float(w.initial),
                            step=100.0, format="%.2f", **w.common)
    return None if value is None else Decimal(f"{value:.2f}")


def _float(w: Widget) -> float | None:
    value = None if w.initial is None else float(w.initial)
    return st.number_input(w.label, value=value, step=1.0, **w.common)


def _text(w: Widget) -> str | None:
    if w.options:
        return _choice(w)
    max_chars = w.spec.constraint("max_length")
    initial = "" if w.initial is None else str(w.initial)
    if (max_chars or 0) <= SHORT_TEXT_MAX and (max_chars is not None or w.spec.constraint("pattern")):
        return st.text_input(w.label, value=initial, max_chars=max_chars, **w.common)
    return st.text_area(w.label, value=initial, max_chars=max_chars, height=100, **w.common)


WIDGETS: dict[str, Callable[[Widget], Any]] = {
    "bool": _bool, "date": _date, "choice": _choice, "choices": _choices, "tags": _tags,
    "int": _int, "money": _money, "float": _float, "text": _text,
}


# --- Errors --------------------------------------------------------------------------------------

def _errors_key(key: str) -> str:
    return f"{key}.__errors"


def stored_errors(key: str) -> Errors:
    return st.session_state.get(_errors_key(key), {})


def _clean(message: str, field: str | None) -> str:
    """Drop pydantic's ``Value error, `` and the ``field: `` prefix; start with a capital."""
    message = message.removeprefix("Value error, ")
    if field is not None and field_of_error(message) == field:
        message = message.split(": ", 1)[1]
    return message[:1].upper() + message[1:]


def _example(description: str) -> str:
    """``"Pseudonymous code such as V-014. Do not…"`` → ``"pseudonymous code such as V-014"``."""
    first = description.split(". ")[0].rstrip(".")
    return first[:1].lower() + first[1:]


def _friendly(error: Mapping, field: str | None, model: type[BaseModel] | None) -> str:
    """Pydantic's message in a user's words where it speaks in a programmer's."""
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "Required."
    if kind == "too_short" and ctx.get("min_length") == 1:
        return "Choose at least one."
    if kind == "string_pattern_mismatch":
        info = model.model_fields.get(field) if model is not None and field else None
        return f"Use the expected format: {_example(info.description)}." if info and info.description \
            else "Not in the expected format."
    return _clean(str(error.get("msg", "")), field)


def errors_from_validation(exc: ValidationError, model: type[BaseModel] | None = None) -> Errors:
    """Each pydantic error under the field it is about.

    A field error names its field in ``loc`` (the form's model: the first step; a whole record: the
    last named step, e.g. ``("plans", 0, "funding", 1, "received")``); a model-level rule names it in
    its message (``"received: …"``)."""
    errors: Errors = {}
    for error in exc.errors():
        message = str(error.get("msg", ""))
        names = [part for part in error.get("loc", ()) if isinstance(part, str)]
        if model is not None and names and names[0] in model.model_fields:
            field = names[0]
        else:
            field = field_of_error(message) or (names[-1] if names else None)
        errors.setdefault(field, []).append(_friendly(error, field, model))
    return errors


def errors_from_exception(exc: Exception) -> Errors:
    """What a service refused (``Refused``, ``ConflictError``, …) under its field, else the form."""
    if isinstance(exc, ValidationError):
        return errors_from_validation(exc)
    if isinstance(exc, DBAPIError):  # locked, dropped, mid-migration: the app's words, never SQL or parameters
        return {None: [plain_error(exc)]}
    message = str(exc).strip() or f"The change could not be saved ({type(exc).__name__})."
    field = field_of_error(message)
    return {field: [_clean(message, field)]}


def _store_and_rerun(key: str, errors: Errors) -> None:
    st.session_state[_errors_key(key)] = errors
    st.rerun()


def show_errors(key: str, exc: Exception) -> None:
    """Show an error raised after the form validated (by the service layer) on the form ``key``.

    ``"field: reason"`` messages land under that field, anything else at the top of the form; the
    script reruns so they are drawn, with the user's values kept."""
    _store_and_rerun(key, errors_from_exception(exc))


def reset_form(key: str) -> None:
    """Forget the values and errors of form ``key`` (e.g. after a record was added), before it is drawn."""
    for name in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{key}.")]:
        del st.session_state[name]


def _draw_errors(messages: Iterable[str]):
    """Draw the messages in one slot, so they can be taken back when the next submit succeeds."""
    slot = st.empty()
    messages = list(messages)
    if messages:
        with slot.container():
            for message in messages:
                st.error(message, icon=ERROR_ICON)
    return slot


# --- The form ------------------------------------------------------------------------------------

def model_form(
    model: type[BaseModel],
    key: str,
    *,
    submit_label: str,
    fields: list[str] | None = None,
    exclude: set[str] = frozenset(),
    labels: dict[str, str] | None = None,
    defaults: dict[str, object] | None = None,
    help: dict[str, str] | None = None,  # noqa: A002 - mirrors Streamlit's parameter name
    choices: dict[str, dict] | None = None,
    fixed: dict[str, object] | None = None,
    disabled: bool = False,
    upload: str | None = None,
) -> BaseModel | None:
    """Draw ``model`` as ``st.form(key)``; return the validated instance on submit, else None.

    ``fields`` chooses and orders the fields (default: the model's order, less ``exclude`` and
    ``fixed``). ``fixed`` values are not drawn but are part of what is validated (e.g. ``level=1``).
    ``choices`` replaces a field's options (id → label). ``defaults`` are starting values. An invalid
    submit stores the errors and reruns, so each is drawn under its widget; see the module docstring.
    ``upload`` (a label) adds an optional file field after the fields, with the privacy reminder beside it; the
    file chosen is read with :func:`uploaded` once the form returned its instance.
    """
    labels, defaults, help, choices, fixed = labels or {}, defaults or {}, help or {}, choices or {}, fixed or {}
    names = [n for n in (fields or list(model.model_fields)) if n not in exclude and n not in fixed]
    specs = [describe(model, n) for n in names]
    if upload is not None:
        names, labels = [*names, DOCUMENT], {**labels, DOCUMENT: upload}
    errors = stored_errors(key)

    values: dict[str, Any] = {}
    shown: list = []  # the slots holding this run's messages, emptied if this submit succeeds
    with st.form(key):
        shown.append(_draw_attention(errors, names, labels))  # at the top, where the eye starts
        shown.append(_draw_errors(errors.get(None, [])))
        shown.append(_draw_errors(f"{labels.get(f, humanise(f))}: {m}"
                                  for f in errors if f is not None and f not in names for m in errors[f]))
        for spec in specs:
            values[spec.name] = _draw_field(spec, key, labels, defaults, help, choices, disabled)
            shown.append(_draw_errors(errors.get(spec.name, [])))
        if upload is not None:
            _draw_upload(key, upload, disabled)
            shown.append(_draw_errors(errors.get(DOCUMENT, [])))
        shown.append(_draw_attention(errors, names, labels))
        submitted = st.form_submit_button(submit_label, type="primary", disabled=disabled, key=f"{key}.__submit")

    if not submitted or disabled:
        return None
    data = {**fixed, **{s.name: values[s.name] for s in specs if values[s.name] is not None or s.optional}}
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        _store_and_rerun(key, errors_from_validation(exc, model))
        return None  # not reached: st.rerun() stops the run
    st.session_state.pop(_errors_key(key), None)
    for slot in shown:
        slot.empty()
    return instance


def required_mark(spec: FieldSpec) -> str:
    """" *" after a required field's label; a list that needs items says how many. The browser does not block
    an empty submit (it would turn fields red with no words): the server says what is missing, at the top of the
    form and under each field."""
    least = spec.constraint("min_length") if spec.kind in ("choices", "tags") else None
    if least:
        return f" * (at least {'one' if least == 1 else least})"
    return " *" if spec.required and spec.kind != "bool" else ""


def _draw_field(spec: FieldSpec, key: str, labels: Mapping, defaults: Mapping, help: Mapping,
                choices: Mapping, disabled: bool) -> Any:
    initial = defaults.get(spec.name, spec.default)
    if initial is PydanticUndefined:
        initial = None
    help_text, reminder = _help_and_reminder(spec, help.get(spec.name))
    widget = Widget(spec, f"{key}.{spec.name}", labels.get(spec.name, humanise(spec.name)) + required_mark(spec),
                    help_text,
                    initial, options_for(spec, choices.get(spec.name)), disabled)
    value = WIDGETS[spec.kind](widget)
    if reminder:
        st.caption(f"{PRIVACY_ICON} {NO_NAMES_REMINDER}")
    return value


def upload_key(key: str) -> str:
    """The file field's widget key. A new one after each saved record: a file uploader cannot be emptied through
    the session state, and the same file must not go with the next record of a form that stays on screen."""
    rounds = st.session_state.get(f"__upload_round.{key}", 0)
    return f"{key}.{DOCUMENT}" + (f".{rounds}" if rounds else "")


def uploaded(key: str):
    """The file chosen in form ``key``'s file field, if any (a Streamlit ``UploadedFile``)."""
    return st.session_state.get(upload_key(key))


def _draw_upload(key: str, label: str, disabled: bool) -> None:
    limit = settings().document_size_limit_mb
    st.file_uploader(label, type=UPLOAD_EXTENSIONS, key=upload_key(key), disabled=disabled, max_upload_size=limit,
                     help=f"Optional: attach the document behind this record, stored with it in the same save (or "
                          f"neither). PDF, Word, Excel, OpenDocument, PNG, JPEG, plain text, CSV or e-mail (.eml), at "
                          f"most {limit} MB; the type is checked from the content, not the name.")
    st.caption(f"{PRIVACY_ICON} {UPLOAD_REMINDER}")


def _draw_attention(errors: Errors, names: list[str], labels: Mapping):
    """Next to the button, name the fields to fix: in a long form they may be out of sight."""
    slot = st.empty()
    flagged = [f"**{labels.get(n, humanise(n))}**: {md(errors[n][0])}" for n in names if errors.get(n)]
    if flagged:
        slot.warning("Nothing was saved. Please check:  \n" + "  \n".join(flagged), icon=":material/rule:")
    return slot


# --- A form that records through a service ----------------------------------------------------------

def service_form(model: type[BaseModel], key: str, call, *, code: str, role: str, success: str,
                 version: int | None = None, seen=None, document: DocumentFor | None = None, **form) -> None:
    """A step form that writes: drawn from ``model``; a valid submit goes to
    ``call(engine, code, payload, actor, expected_version=version)``; any refusal comes back under its field.

    ``document`` (an evidence kind and its plan level) adds an optional file field for the document behind the
    fact: a chosen file goes to the service as ``documents=[Attachment(...)]``, stored in the fact's transaction.
    A refused file (type, size, the same file again) refuses the whole submit under the file field, nothing
    saved; so does a step recorded without a document the company setting requires.

    ``version`` and ``seen`` are the incident's version and record as the page showed them: if someone else
    saved it since, the service refuses (nothing is overwritten) and the page says what they changed.
    Nothing is drawn where the user cannot edit (board mode, a viewer)."""

    if not can_edit():
        return
    # On submit Streamlit reruns the page, which reloads the incident before the form returns: the
    # version to check is the one on screen when the form was drawn, remembered from that run.
    memo = f"{key}.__seen.{code}"
    shown = st.session_state.get(memo, (version, seen))
    st.session_state[memo] = (version, seen)
    if document is not None:
        kind, level = document
        form["upload"] = ("Document behind this record (optional): "
                          + fact_label(kind, level if isinstance(level, int) else None))
    if (payload := model_form(model, key, **form)) is None or st.session_state.pop("_stale_form", None) == key:
        return
    version, seen = shown
    extra = {} if version is None else {"expected_version": version}
    if document is not None and (file := uploaded(key)) is not None:
        kind, level = document
        level = level(payload) if callable(level) else level
        extra["documents"] = [Attachment(file.name, file, kind, level, size=file.size)]
    try:
        call(get_engine(), code, payload, Actor(current_actor_name(), role), **extra)
    except ConflictError as exc:
        after_write()  # drop the stale copy: the page reloads what is stored now
        st.session_state["conflict"] = {"code": code, "message": str(exc), "changes": _changes_since(seen, code)}
        st.rerun()
    except (DocumentRefused, DocumentsMissing) as exc:
        message = str(exc).strip()  # under the file field, which is where it is put right (file names kept as typed)
        if field_of_error(message) is not None:
            message = message.split(": ", 1)[1]
        _store_and_rerun(key, {DOCUMENT: [message]} if document is not None else errors_from_exception(exc))
    except Exception as exc:  # Refused, ValidationError: each shown by the form
        show_errors(key, exc)
    else:
        after_write()
        if "documents" in extra:
            round_key = f"__upload_round.{key}"
            st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
            success += f", with {md(extra['documents'][0].name)}"  # the user's file name, shown as typed
        # Saved: the form starts again from its defaults (the record as stored now), so a second click cannot save
        # the same entry twice. A refusal (any branch above) keeps every value typed, to be corrected.
        reset_form(key)
        st.toast(success, icon=":material/check:")
        st.rerun()


def guard_stale_submissions(code: str, version: int, current) -> None:
    """Call right after loading an incident, before drawing its forms. A form submitted against an older
    version than the one now stored is refused here, with what changed — even when that form is no longer
    drawn because the incident has moved on (Streamlit would otherwise drop the submission silently)."""
    for name in [k for k in st.session_state if isinstance(k, str) and k.endswith(".__submit")]:
        form = name.removesuffix(".__submit")
        memo = f"{form}.__seen.{code}"
        if st.session_state.get(name) is True and memo in st.session_state:
            shown_version, shown = st.session_state[memo]
            if shown_version is not None and shown_version != version:
                st.session_state.pop(memo)
                st.session_state["_stale_form"] = form
                st.session_state["conflict"] = {
                    "code": code, "message": f"{code} was changed by someone else since you opened it.",
                    "changes": diff(shown.model_dump(mode="json"), current.model_dump(mode="json")) if shown else []}


def _changes_since(seen, code: str) -> list[dict]:
    """What differs between the record the user saw and the one stored now."""

    if seen is None:
        return []
    found = load_incident(code)
    return diff(seen.model_dump(mode="json"), found[0].model_dump(mode="json")) if found else []


def show_conflict() -> None:
    """At the top of a page: the last save refused because someone else saved first, and what they changed."""
    conflict = st.session_state.pop("conflict", None)
    if not conflict:
        return
    changes = conflict["changes"]
    lines = "\n".join(f"- `{c['field']}`: {md(repr(c['before']))} → {md(repr(c['after']))}" for c in changes[:15])
    more = f"\n- … and {len(changes) - 15} more" if len(changes) > 15 else ""
    st.error(f"**Not saved: {conflict['code']} was changed by someone else since you opened it.** Nothing you "
             f"entered was written. The page now shows their version; check it and record yours again.\n\n"
             f"What they changed:\n{lines}{more}" if changes else md(conflict["message"]), icon=":material/sync_problem:")


def for_plan(service, level: int):
    """A plan-level service (``service(engine, code, level, payload, actor)``) in service_form's shape."""
    return lambda engine, code, payload, actor, **kw: service(engine, code, level, payload, actor, **kw)
