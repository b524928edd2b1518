"""The Follow-ups page as Streamlit runs it (issue 13 item 1): per party what it owes, overdue first; a chase and an
escalation recorded from the page; the chase list as XLSX and e-mail text; board mode shows the push aggregate only."""

from __future__ import annotations

import json
from datetime import date

from conftest import submit
from sqlalchemy import select

from remediation.domain.followups import CHASED_PARTIES, FollowUpIn
from remediation.services import followups
from remediation.services.base import LOCAL_USER
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.followups import owed_items

PAGE = "pages/followups.py"
TODAY = date.today()


def _owed_table(at):
    return next(df.value for df in at.dataframe if "item" in df.value.columns)


def _followups(url: str) -> list[dict]:
    engine = db.get_engine(url)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.followups).order_by(t.followups.c.id)).mappings()]


def test_the_page_lists_what_each_party_owes_and_records_a_chase_and_an_escalation(run_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    at = run_app(page=PAGE, database_url=url)
    assert not at.exception
    assert at.title[0].value == "Follow-ups"
    owed = _owed_table(at)
    assert len(owed) > 0 and set(owed["party"]) == {owed["party"].iloc[0]}
    keys = list(zip(~owed["overdue"], -owed["days"]))
    assert keys == sorted(keys)  # overdue first, then the longest owed
    first_code, first_item, before = owed["code"].iloc[0], owed["item"].iloc[0], int(owed["chases"].iloc[0])
    assert any(first_code in c.value for c in at.code)  # the e-mail text lists it
    stored_before = len(_followups(url))

    at = submit(at, "chase")
    assert not at.exception
    stored = _followups(url)
    assert [(f["item"], f["escalation"], f["asked_on"]) for f in stored[stored_before:]] == [
        (first_item, "reminder", TODAY)]
    owed = _owed_table(at)
    row = owed[owed["code"] == first_code].iloc[0]
    assert row["chases"] == before + 1 and row["last_escalation"] == "Reminder" and row["last_chased_on"] == TODAY

    at.selectbox(key="escalate.escalation").set_value("leverage_business_review")
    at = submit(at, "escalate")
    assert not at.exception
    assert [f["escalation"] for f in _followups(url)[stored_before:]] == ["reminder", "leverage_business_review"]
    row = _owed_table(at).query("code == @first_code").iloc[0]
    assert row["chases"] == before + 2 and row["pushing"].endswith(
        f"chased {before + 2} times, last: leverage action: raised in a business review")


def test_board_mode_shows_the_push_by_quarter_and_nothing_to_act_on(run_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    at = run_app(page=PAGE, database_url=url, query={"board": "true"})
    assert not at.exception
    assert not [b for b in at.button if b.proto.form_id]  # no form
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert charts and "How often and how hard" in charts[0]["layout"]["title"]["text"]


def test_the_portfolio_shows_each_open_item_owed_chased_and_last_escalation(run_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    at = run_app(page=PAGE, database_url=url)  # loads the demo portfolio
    engine = db.get_engine(url)
    owed = owed_items(engine, today=TODAY)
    row = owed.iloc[0]
    before = int(row["chases"])
    for level in ("reminder", "leverage_suspended_orders"):
        followups.record_followup(engine, row["code"], FollowUpIn(
            item=row["item"], party=row["party"], asked_on=TODAY, channel="meeting", escalation=level), LOCAL_USER)
    at = run_app(database_url=url)
    assert not at.exception
    table = next(df.value for df in at.dataframe if "pushing" in df.value.columns)
    pushing = dict(zip(table["code"], table["pushing"]))
    assert pushing[row["code"]] == (f"owed by {row['party_label']} for {row['days']} days, chased {before + 2} "
                                    "times, last: leverage action: orders suspended")
    other = owed[owed["chases"] == 0].iloc[0]
    assert pushing[other["code"]] == f"owed by {other['party_label']} for {other['days']} days, not chased yet"


def test_the_party_shown_is_in_the_link_even_the_first(run_app, tmp_path):
    """#18: the party a lead looks at is in the link, the first one included, so a colleague opens the same list."""
    at = run_app(page=PAGE)
    assert not at.exception
    first = at.session_state["party"]
    assert at.query_params["party"] == first
    owed = owed_items(db.get_engine(f"sqlite:///{tmp_path / 'app.db'}"), today=TODAY)
    other = next(p for p in owed["party"].unique() if p != first)
    colleague = run_app(page=PAGE, query={"party": other})
    assert colleague.session_state["party"] == other and colleague.query_params["party"] == other
    assert f"{CHASED_PARTIES[other]} owes" in colleague.subheader[0].value


def test_the_caption_says_the_status_filter_does_not_apply(run_app, tmp_path):
    """The sidebar shows 'Open' by default, but what is owed is open incidents' by nature and the chase chart counts
    open and closed ones: the caption says so instead of 'all incidents' alone."""
    at = run_app(page=PAGE, database_url=f"sqlite:///{tmp_path / 'app.db'}")
    assert not at.exception
    caption = at.caption[0].value
    assert "whatever the status chosen" in caption and "always open incidents'" in caption
