"""A test bench for :mod:`pages._forms`: one model form, chosen by ``?form=`` or ``session_state["form"]``.

On a valid submit it prints the model as JSON (``st.code``), so a test reads exactly what a page would
hand to the service layer. ``session_state["refuse"]`` makes the "service" refuse the valid payload
with that message, ``session_state["disabled"]`` draws the form read-only, ``session_state["kwargs"]``
adds arguments to :func:`model_form` (``defaults``, ``labels``…).
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from pages._forms import model_form, reset_form, show_errors  # noqa: E402
from remediation.domain import models  # noqa: E402
from remediation.services.base import Refused  # noqa: E402

# Forms that need more than the model: as a page would call them.
EXTRA: dict[str, dict] = {
    "Substantiation": dict(labels={"substantiated": "Is the allegation substantiated?"}),
    "Lessons": dict(choices={"tags": {"child-labour": "child-labour", "funding-gap": "funding-gap"}}),
    "PlanHeader": dict(fixed={"level": 1}),
    "Expenditure": dict(choices={"category": {"shelter": "Shelter", "legal": "Legal fees"}}),
}
# Nested lists are recorded by forms of their own.
NESTED = {"indicators", "measurements", "milestones", "actions"}

form = st.query_params.get("form") or st.session_state.get("form", "Funding")
model = getattr(models, form)
st.title("Form bench")
payload = model_form(model, form, submit_label=f"Save {form}", exclude=NESTED & set(model.model_fields),
                     disabled=st.session_state.get("disabled", False),
                     **{**EXTRA.get(form, {}), **st.session_state.get("kwargs", {})})
if payload is not None:
    if refusal := st.session_state.get("refuse"):
        try:
            raise Refused(refusal)
        except Exception as exc:
            show_errors(form, exc)
    st.session_state["saved"] = payload.model_dump_json()
    if st.session_state.get("reset_after_save"):
        reset_form(form)
    st.rerun()  # as a page does after a write
if saved := st.session_state.get("saved"):
    st.code(saved, language="json")
