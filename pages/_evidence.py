"""The incident page's Evidence section: the documents behind the incident's reports, an upload form with the
fact each supports, downloads for editors and admins, removal (with a reason) for admins.

Viewers see the list only (name, what it supports, type, size, SHA-256, when and by whom): reports can identify
victims (guideline line 1392); board mode, the columns that fit a slide (:func:`board_columns`). Files are only ever
offered as downloads (an attachment with the stored name and the media type detected from the content), never shown
in the page. What users typed (file names, removal reasons, who) is shown as text: in a dataframe, or escaped with
:func:`pages._text.md`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._auth import can_edit, current_actor, is_admin, read_only_notice
from pages._data import after_write, documents, get_engine, settings, settings_as_drawn
from pages._filters import board_mode
from pages._lazy import form_expander
from pages._text import cite, data_table, md, on_slide
from remediation.domain.evidence import NEXT_STEP, fact_label, still_needed
from remediation.domain.settings import Settings
from remediation.domain.vocab import DOCUMENT_TYPES, EVIDENCE_KINDS, PLAN_EVIDENCE_KINDS
from remediation.services import admin, evidence
from remediation.services.base import ConflictError, Refused

_NOTICE = "evidence.notice"
_PICK = "evidence.pick.__next"
UPLOAD_EXTENSIONS = sorted({ext.lstrip(".") for _, _, ext in DOCUMENT_TYPES.values()} | {"jpeg"})


def facts(record) -> dict[str, tuple[str, int | None]]:
    """The facts a document can support on this incident, by label: each plan's own documents per plan."""
    out: dict[str, tuple[str, int | None]] = {}
    for kind in EVIDENCE_KINDS:
        levels = [p.level for p in record.plans] if kind in PLAN_EVIDENCE_KINDS else [None]
        for level in levels:
            out[fact_label(kind, level)] = (kind, level)
    return out


def _table(docs: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Document": d["file_name"], "Supports": fact_label(d["kind"], d["level"]),
        "Type": DOCUMENT_TYPES.get(d["file_type"], (d["file_type"],))[0], "Size": evidence.megabytes(d["size"]),
        "Uploaded": d["uploaded_at"], "By": d["uploaded_by"], "SHA-256": d["sha256"],
        "Removed": "" if d["removed_at"] is None else f"{d['removed_at']:%Y-%m-%d} by {d['removed_by']}: "
                                                      f"{d['removal_reason']}",
    } for d in docs], columns=["Document", "Supports", "Type", "Size", "Uploaded", "By", "SHA-256", "Removed"])


BOARD_WIDTHS = {"Document": 300, "Supports": 340, "Type": 140, "Uploaded": 140, "Removed": 180}  # a file name
# or a removal reason can be long: on a slide it is cut at its cell's edge, not the table at the slide's


def board_columns(docs: list[dict]) -> list[str]:
    """The list on a slide: what each document is, what it supports and when it came, in one screen's width at
    1280 px (the hash, size and uploader stay on the page out of board mode); removals only if there are any."""
    return ["Document", "Supports", "Type", "Uploaded"] + (["Removed"] if any(d["removed_at"] for d in docs) else [])


def _choice(d: dict) -> str:
    return f"{d['file_name']} · {fact_label(d['kind'], d['level'])} · #{d['id']}"


def section(code: str, record, state) -> None:
    """Draw the Evidence section of incident ``code`` (its record and workflow state as loaded by the page)."""
    engine = get_engine()
    conf = settings()
    st.subheader("Evidence", anchor=False)
    if (pending := st.session_state.pop(_PICK, None)) is not None:  # the document just attached, offered first
        st.session_state[f"evidence.pick.{code}"] = pending
    if (notice := st.session_state.pop(_NOTICE, None)) is not None:
        (st.warning if notice[0] == "warning" else st.success)(notice[1], icon=":material/attach_file:")
    docs = documents(code)
    current = [d for d in docs if d["removed_at"] is None]
    required = ", ".join(fact_label(k) for k in conf.documents_required) or "none"
    st.caption(f"The documents behind the incident's reports, stored in the database with their SHA-256. "
               f"Required before the step that follows them (company setting): {required}. Everyone may see this "
               f"list; only editors and admins open the files, because reports can identify victims "
               f"({cite('evidence_respects_privacy')}).")
    attached = {(d["kind"], d["level"]) for d in current}
    if state.is_open and (needed := still_needed(record, conf.documents_required, attached)):
        st.caption("Still to attach: " + "; ".join(f"{fact_label(m.kind, m.level)} (before {m.next_step})"
                                                   for m in needed) + ".")
    if docs:
        data_table(_table(docs), hide_index=True, width="stretch", key=f"evidence.table.{code}",
                   column_order=board_columns(docs) if board_mode() else None,
                   column_config=on_slide(board_mode(), BOARD_WIDTHS, {
                       "Uploaded": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                       "SHA-256": st.column_config.TextColumn(width="small")}))
    else:
        st.caption("No documents attached yet.")

    if not can_edit():
        if docs:
            st.caption(md(read_only_notice("download or attach documents")))
        return

    actor = current_actor()
    if current:
        by_choice = {_choice(d): d for d in reversed(current)}  # the newest first
        picked = st.selectbox("Document to download", options=list(by_choice), key=f"evidence.pick.{code}")
        doc = by_choice[picked]
        st.download_button(
            f"Download {md(doc['file_name'])}", icon=":material/download:", key=f"evidence.download.{code}",
            data=lambda doc_id=doc["id"]: evidence.download_document(engine, doc_id, actor)[2],
            file_name=doc["file_name"], mime=doc["media_type"] or "application/octet-stream", on_click="ignore",
            help="Saved as a file (never opened in the page); the download is recorded in the audit log.")

    with st.form(f"evidence.upload.{code}", clear_on_submit=True, border=True):
        st.markdown("**Attach a document**")
        st.info(evidence.UPLOAD_REMINDER, icon=":material/privacy_tip:")
        options = facts(record)
        fact = st.selectbox("The fact it supports", options=list(options), key="evidence.fact")
        upload = st.file_uploader(
            "File", type=UPLOAD_EXTENSIONS, key="evidence.file", max_upload_size=conf.document_size_limit_mb,
            help=f"PDF, Word, Excel, OpenDocument, PNG, JPEG, plain text, CSV or e-mail (.eml), at most "
                 f"{conf.document_size_limit_mb} MB. The type is checked from the content, not the name.")
        if st.form_submit_button("Attach", icon=":material/attach_file:"):
            if upload is None:
                st.error("Choose a file to attach.")
            else:
                kind, level = options[fact]
                try:
                    row = evidence.attach_document(engine, code, evidence.Attachment(
                        upload.name, upload, kind, level, size=upload.size), actor)
                except Refused as exc:  # type, size, duplicate, permission: said in words, nothing written
                    st.error(md(str(exc)), icon=":material/block:")
                else:
                    after_write()
                    text = f"Attached {md(row['file_name'])} to {fact}: SHA-256 {row['sha256']}."
                    if row["same_file"]:
                        text += " The same file is already attached as " + md(", ".join(row["same_file"])) + "."
                    st.session_state[_NOTICE] = ("warning" if row["same_file"] else "success", text)
                    st.session_state[_PICK] = _choice(row)
                    st.rerun()

    if is_admin() and not board_mode() and current:
        with form_expander("Remove a document (admins)", f"evidence.remove.{code}") as drawn:
            if drawn:
                _remove_form(code, current, actor)


def _remove_form(code: str, current: list[dict], actor) -> None:
    with st.form(f"evidence.remove.{code}", clear_on_submit=True, border=False):
        by_choice = {_choice(d): d for d in current}
        picked = st.selectbox("Document", options=list(by_choice), key="evidence.remove_pick")
        reason = st.text_input("Reason", key="evidence.remove_reason",
                               help="Kept with the document and in the audit log. The file is no longer "
                                    "served; its record and SHA-256 stay.")
        if st.form_submit_button("Remove document", icon=":material/delete:"):
            try:
                evidence.remove_document(get_engine(), by_choice[picked]["id"], reason, actor)
            except Refused as exc:
                st.error(md(str(exc)), icon=":material/block:")
            else:
                after_write()
                st.session_state[_NOTICE] = ("success", f"Removed {md(by_choice[picked]['file_name'])}.")
                st.rerun()


def settings_editor() -> None:
    """The admin page's form for the evidence settings: the size limit and the documents required before the next
    step. Saved against the versions shown when the form was drawn (an admin who saved since is not overwritten)."""
    memo = "evidence_settings.__seen"
    seen_versions, seen = settings_as_drawn(memo)
    st.subheader("Evidence documents", anchor=False)
    with st.form("evidence_settings"):
        limit = st.number_input("Largest document accepted (MB)", min_value=1, max_value=200, step=1,
                                value=seen.document_size_limit_mb, key="evidence_settings.limit")
        required = st.multiselect(
            "Documents required before the next step", options=list(NEXT_STEP), default=seen.documents_required,
            format_func=lambda k: f"{fact_label(k)}, before {NEXT_STEP[k].words}", key="evidence_settings.required",
            help="Recording the step that follows a listed document is refused until the document is attached.")
        if st.form_submit_button("Save evidence settings"):
            save_settings({"document_size_limit_mb": int(limit), "documents_required": required}, seen,
                          seen_versions, memo)


def save_settings(changes: dict, seen: Settings, seen_versions: dict, memo: str) -> None:
    """Save ``changes`` to the settings as a form showed them (``seen``, at ``seen_versions``): a setting another
    admin saved since is not overwritten; the refusal is shown under the form and the form's memo dropped."""
    try:
        wanted = Settings(**{**seen.model_dump(), **changes})
        admin.update_settings(get_engine(), wanted, current_actor(), expected_versions=seen_versions)
    except (ConflictError, Refused, ValueError) as exc:
        after_write()
        st.session_state.pop(memo, None)
        st.error(md(str(exc)), icon=":material/sync_problem:")
    else:
        after_write()
        st.session_state.pop(memo, None)
        st.rerun()
