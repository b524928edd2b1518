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


def test_the_order_and_the_page_are_in_the_link_defaults_included(run_app, monkeypatch):
    """#18: a copied link shows the same rows — the sort, the order and the page are written even when untouched."""
    monkeypatch.setattr("pages._data.PAGE_ROWS", 10)
    at = run_app(query={"status": "All"})
    assert (at.query_params["table_sort"], at.query_params["table_order"], at.query_params["table_page"]) == (
        "Received", "Descending", "1")
    at.selectbox(key="table_sort").set_value("code").run()
    at.number_input(key="table_page").set_value(2).run()
    link = {k: at.query_params[k] for k in ("status", "table_sort", "table_order", "table_page")}
    assert link["table_sort"] == "Code" and link["table_page"] == "2"
    colleague = run_app(query=link)
    assert not colleague.exception
    assert list(colleague.dataframe[0].value["code"]) == list(at.dataframe[0].value["code"])
    garbage = run_app(query={"table_sort": "<script>", "table_page": "-3", "table_order": "sideways"})
    assert not garbage.exception and garbage.query_params["table_sort"] == "Received"
