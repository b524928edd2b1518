"""The portfolio table as a lead pages it (issue #15): one page of rows a view, sorted on the server by any
column, every incident reachable page by page, and an export of them all."""

from __future__ import annotations

from remediation.services.demo import read_fixture


def test_the_table_sends_one_page_sorted_on_the_server_and_reaches_every_incident(run_app, monkeypatch):
    monkeypatch.setattr("pages._data.PAGE_ROWS", 10)
    at = run_app()
    at.sidebar.segmented_control(key="status").set_value("all").run()
    codes = sorted(r.incident.code for r in read_fixture())
    assert len(at.dataframe[0].value) == 10
    at.selectbox(key="table_sort").set_value("code").run()
    at.segmented_control(key="table_order").set_value("Ascending").run()
    assert list(at.dataframe[0].value["code"]) == codes[:10]
    seen = []
    for page in range(1, -(-len(codes) // 10) + 1):
        at.number_input(key="table_page").set_value(page).run()
        assert not at.exception
        seen += list(at.dataframe[0].value["code"])
    assert seen == codes  # page by page: every incident once, in order
    assert at.subheader[0].value == f"41–{len(codes)} of {len(codes)} incidents · all"
    at.segmented_control(key="table_order").set_value("Descending").run()  # a new order: its first page
    assert at.number_input(key="table_page").value == 1
    assert list(at.dataframe[0].value["code"]) == codes[::-1][:10]
    assert any(b.proto.label == f"Export all {len(codes)} incidents (CSV)" for b in at.get("download_button"))
