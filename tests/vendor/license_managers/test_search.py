"""The overview's indexed search: the same rows as the LIKE it replaces, kept in step, scoped, planned on the index."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal import lists, search
from portal.extensions import db
from portal.lists import contains
from portal.models import CustomerAccount, LicenseManager, LicenseUser
from portal.models.people import status_is
from portal.services.license_managers import overview
from portal.services.license_managers.overview import OverviewQuery
from portal.tenancy import set_tenant
from tests.conftest import BACKEND
from tests.vendor.license_managers.support import bulk_managers, row_emails

URL = "/vendor/license-managers"

PEOPLE = [
    # email, first name, last name, customer account (by key)
    ("ada@one.test", "Ada", "Lovelace", "globex"),
    ("ADAM@two.test", "Adam", "Smith", None),
    ("bob@two.test", "Bob", "O'Brien", "umbrella"),
    ("pct@three.test", "Carol", "Lovelace_100%", None),
    ("under_score@four.test", "Dan", "Under", "globex"),
    ("emile@five.test", "Émile", "Zoë", "umbrella"),
    ("zed@six.test", "Zed", "Aardvark", None),
]
ACCOUNTS = {"globex": "Globex Corp", "umbrella": "Umbrella 50% Ltd"}

QUERIES = [
    "ada",  # name and email, two rows by case
    "ADA",
    "aDa@",
    "lovelace",
    "100%",  # % is a letter
    "0%",  # two characters: not searched
    "e_1",  # _ is a letter: "Lovelace_100%" holds it
    "n_e",  # ... and matches nothing where it would be a wildcard ("Under")
    "der_s",
    "globex",
    "50% l",  # two words: "50%" and the short "l"
    "umbrella bob",
    "Émi",  # accents: the database's own LIKE decides (SQLite folds ASCII only)
    "émi",
    "zoë",
    "a",
    "ad",
    "o'b",
    '"bob"',  # a quote is a letter, not FTS5 syntax
    "bob OR ada",  # nor are FTS5's operators
    "nothing-like-this",
    "@",
    ".test",
    "ada@one.test",  # an email: PostgreSQL's index is asked for "ada", the whole term checked after
    "lovelace_100%@one",
]


@pytest.fixture
def world(make):
    w = make.world()
    w["staff"] = make.staff(w["vendor"])
    accounts = {key: make.customer_account(w["vendor"], name) for key, name in ACCOUNTS.items()}
    for email, first, last, account in PEOPLE:
        manager = make.manager(w["vendor"], email=email, account=accounts.get(account) if account else None)
        _rename(make.app, manager, first, last)
    w["accounts"] = accounts
    return w


def _rename(app, manager, first, last):
    with app.app_context():
        set_tenant(db.session, manager.vendor_account_id)
        user = db.session.get(LicenseUser, manager.license_user_id)
        user.first_name, user.last_name = first, last
        db.session.commit()


def reference(text: str, status: str | None = None) -> set[int]:
    """The managers today's LIKE finds: each searched word in one of the four columns, in one scan."""
    stmt = (
        sa.select(LicenseManager.id)
        .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
        .outerjoin(CustomerAccount, CustomerAccount.id == LicenseManager.customer_account_id)
    )
    for term in search.terms(text):
        columns = (LicenseUser.first_name, LicenseUser.last_name, LicenseUser.email, CustomerAccount.name)
        stmt = stmt.where(sa.or_(*(contains(column, term) for column in columns)))
    if status:
        stmt = stmt.where(status_is(status))
    return set(db.session.scalars(stmt))


def found(text: str) -> set[int]:
    query = OverviewQuery(q=text)
    rows = overview.page(query).items
    assert overview.total(query) == len(rows)
    return {row.id for row in rows}


@pytest.mark.parametrize("text", QUERIES)
def test_the_same_managers_as_the_like_it_replaces(app, world, text):
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        expected = reference(text)
        assert found(text) == expected
        everyone = set(db.session.scalars(sa.select(LicenseManager.id)))
        if not search.terms(text):  # too short: not a filter at all
            assert expected == everyone


def test_spot_checks_of_what_people_expect(app, world):
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)

        def emails(text):
            return sorted(r.email for r in overview.page(OverviewQuery(q=text)).items)

        assert emails("ada") == ["ADAM@two.test", "ada@one.test"]
        assert emails("100%") == ["pct@three.test"]
        assert emails("n_e") == []  # as a wildcard it would find "Under"
        assert emails("r_s") == ["under_score@four.test"]
        assert emails("globex") == ["ada@one.test", "under_score@four.test"]
        assert emails("umbrella bob") == ["bob@two.test"]
        assert emails("nothing-like-this") == []
        assert emails("Émi") == ["emile@five.test"]
        # Case beyond ASCII is the database's: PostgreSQL folds it, SQLite's LIKE does not.
        assert emails("émi") == (["emile@five.test"] if BACKEND == "postgresql" else [])


def test_the_page_says_short_words_are_not_searched(client, login, world):
    login(world["staff"])
    html = client.get(URL, query_string={"q": "ad"}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Not searched: ad. Type at least 3 characters to search." in html
    assert len(row_emails(html)) == len(PEOPLE)
    page = client.get(URL).get_data(as_text=True)
    assert 'aria-describedby="q-hint"' in page and 'id="q-hint"' in page
    assert "Not searched" not in page


def test_rows_written_after_the_index_exists_are_found_and_not_found(app, make, world):
    vendor = world["vendor"]
    newcomer = make.manager(vendor, email="newcomer@late.test")
    with app.app_context():
        set_tenant(db.session, vendor.id)
        assert {r.email for r in overview.page(OverviewQuery(q="newcomer")).items} == {"newcomer@late.test"}
        user = db.session.get(LicenseUser, newcomer.license_user_id)
        user.email, user.first_name = "renamed@late.test", "Quinn"
        db.session.commit()
        assert overview.page(OverviewQuery(q="newcomer")).items == []
        assert [r.email for r in overview.page(OverviewQuery(q="quinn")).items] == ["renamed@late.test"]
        # An update of another column (a sign-in) leaves the index as it was.
        db.session.execute(sa.update(LicenseUser).where(LicenseUser.id == user.id).values(phone="123"))
        db.session.commit()
        assert [r.email for r in overview.page(OverviewQuery(q="renamed")).items] == ["renamed@late.test"]
        # A renamed customer account is found by its new name only.
        account = db.session.get(CustomerAccount, world["accounts"]["globex"].id)
        account.name = "Initrode"
        db.session.commit()
        assert overview.page(OverviewQuery(q="globex")).items == []
        assert len(overview.page(OverviewQuery(q="initrode")).items) == 2
        db.session.delete(db.session.get(LicenseManager, newcomer.id))
        db.session.delete(db.session.get(LicenseUser, newcomer.license_user_id))
        db.session.commit()
        assert overview.page(OverviewQuery(q="quinn")).items == []
        assert reference("quinn") == set()


def test_another_vendors_matching_rows_never_appear(app, make, client, login, world):
    other = make.vendor()
    stranger = make.manager(other, email="ada.other@vendor2.test")
    make.manager(other, email="globex-fan@vendor2.test", account=make.customer_account(other, "Globex Corp"))
    login(world["staff"])
    for q in ("ada", "vendor2", "globex", "other"):
        html = client.get(URL, query_string={"q": q}).get_data(as_text=True)
        assert "vendor2.test" not in html, q
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        assert overview.total(OverviewQuery(q="vendor2")) == 0
        set_tenant(db.session, other.id)
        assert {r.id for r in overview.page(OverviewQuery(q="ada")).items} == {stranger.id}
        assert overview.total(OverviewQuery(q="globex")) == 1


# The plans: the index, never a scan of the table


class Statements:
    def __init__(self):
        self.seen: list[tuple[str, object]] = []


@pytest.fixture
def capture(app):
    """Collect (SQL, parameters) of every statement run inside the block."""
    import contextlib

    @contextlib.contextmanager
    def _capture():
        found = Statements()
        with app.app_context():
            engine = db.engine

        def _before(conn, cursor, statement, parameters, context, executemany):
            if re.match(r"\s*\(?SELECT", statement, re.I):  # a union of limited selects opens with "("
                found.seen.append((statement, parameters))

        sa.event.listen(engine, "before_cursor_execute", _before)
        try:
            yield found
        finally:
            sa.event.remove(engine, "before_cursor_execute", _before)

    return _capture


def plan(statement: str, parameters) -> str:
    """The database's plan for a statement, as one text.

    PostgreSQL costs a GIN index by its pages, which on a test's few hundred rows is more than
    reading them all; priced per row (as at 100,000 rows, where it picks the GIN index unasked),
    the question is whether the index serves the query at all.
    """
    with db.engine.connect() as connection:
        if BACKEND == "postgresql":
            for setting in ("enable_seqscan = off", "cpu_tuple_cost = 1", "cpu_index_tuple_cost = 1"):
                connection.exec_driver_sql(f"SET LOCAL {setting}")
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars()
            text = "\n".join(rows)
            connection.rollback()
            return text
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(row[3] for row in rows)


def _plans(app, capture, query: OverviewQuery) -> list[str]:
    """The plans of the page's rows and of its count, in that order."""
    with app.app_context():
        set_tenant(db.session, query_vendor[0])
        with capture() as seen:
            overview.page(query)
        # End the session's transaction first: on SQLite it holds the write lock plan()'s connection asks for.
        db.session.rollback()
        rows = [
            plan(st, p)
            for st, p in seen.seen
            if "license_user.email, license_user.first_name" in st and "count(*)" not in st
        ]
        counts = [plan(st, p) for st, p in seen.seen if "count(*)" in st]
        # At most one count: none when the words name few (their matches are the count).
        # No rows statement when the count says nothing matches.
        assert len(rows) <= 1 and len(counts) <= 1
        rows = rows or [""]
        counts = counts[:1] or [""]
        # A search first asks the managers' trigram index which hold the words (``overview._indexed``):
        # SQLite's FTS5 table, PostgreSQL's GIN index (after the planner's estimate, ``_estimated``).
        probe = (
            (lambda st: "_search" in st)
            if BACKEND == "sqlite"
            else (lambda st: "search_text ILIKE" in st and not st.startswith("EXPLAIN"))
        )
        probes = [plan(st, p) for st, p in seen.seen if probe(st) and "license_user.email, " not in st]
        return rows + counts + ["\n".join(probes)]


query_vendor: list[int] = []
SCALE = 300


@pytest.fixture
def scale(app, world):
    """Enough rows that a plan has something to choose from, and the planner's statistics."""
    bulk_managers(app, world["vendor"], SCALE, orders_each=0)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    query_vendor[:] = [world["vendor"].id]
    return world


@pytest.mark.parametrize("text", ["lovelace", "globex", "nothing-like-this", "ada globex"])
def test_search_is_planned_on_the_trigram_index(app, capture, scale, text):
    page_plan, count_plan, probes = _plans(app, capture, OverviewQuery(q=text))
    if BACKEND == "postgresql":
        # The managers through the trigram index over their search text, then the page's rows by id (the
        # ids unnested, each row fetched by key); the matches' ids are their count: none is made.
        read_by_id = "unnest" in page_plan or (text == "nothing-like-this" and page_plan == "")
        assert "ix_license_manager_search" in probes and read_by_id and count_plan == "", (probes, page_plan)
        for shown in (page_plan, probes):
            assert not re.search(r"Seq Scan on (license_user|license_manager)\b", shown), shown
        return
    # SQLite: the words' candidates come from the managers' FTS5 table, each manager fetched by key, then
    # the page reads the few that match by id; no statement reads a table whole.
    assert "SCAN license_manager_search VIRTUAL TABLE" in probes, probes
    assert "SEARCH license_manager USING INTEGER PRIMARY KEY" in probes, probes
    assert "SEARCH license_manager USING INTEGER PRIMARY KEY" in page_plan or text == "nothing-like-this"
    assert count_plan == "", count_plan
    for shown in (page_plan, count_plan, probes):
        assert not re.search(r"SCAN (license_user|license_manager|customer_account)\b(?!_search)", shown), shown


@pytest.mark.parametrize("text", ["lovelace", "globex"])
def test_a_common_word_walks_the_sorts_index(app, capture, scale, monkeypatch, text):
    """Words naming more managers than EXACT_FROM_INDEX: the page reads down the sort's index, testing each row."""
    monkeypatch.setattr(overview, "EXACT_FROM_INDEX", 0)
    page_plan, count_plan, probes = _plans(app, capture, OverviewQuery(q=text))
    # The ids the index gave first (up to SEARCH_CAP + 1) are the count: nothing else counts them.
    assert count_plan == "", count_plan
    if BACKEND == "postgresql":
        return  # PostgreSQL's GIN index serves the ILIKE as it is (above)
    assert "ix_license_manager_vendor_created_id" in page_plan and "TEMP B-TREE" not in page_plan, page_plan
    # Read from the index outwards, each candidate its manager by key.
    assert "SCAN license_manager_search VIRTUAL TABLE" in probes, probes
    assert "SEARCH license_manager USING INTEGER PRIMARY KEY" in probes, probes


@pytest.mark.parametrize("sort", ["-created", "orders"])
def test_a_search_counts_up_to_its_cap_and_a_computed_sort_on_to_the_lists(app, world, monkeypatch, sort):
    """A search of more than SEARCH_CAP matches says "1,000+" from the ids the index gave first; sorted by
    a computed column (offered up to COUNT_CAP matches) it counts on to COUNT_CAP."""
    monkeypatch.setattr(overview, "EXACT_FROM_INDEX", 0)
    monkeypatch.setattr(overview, "SEARCH_CAP", 1)
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        expected = reference("ada")
        assert len(expected) > 1
        served, page = overview.listing(OverviewQuery(q="ada", sort=sort))
        assert {row.id for row in page.items} == expected
        if sort == "orders":
            assert (page.total, page.total_label, served.sort) == (len(expected), f"{len(expected)}", "orders")
        else:
            assert (page.total, page.total_label, page.pages) == (2, "1+", None)


def test_several_words_are_read_as_the_ids_of_their_matches(app, capture, scale):
    """Words each common may name few together ("uma oliv"; here a name and an account): the index is
    asked once for the managers holding all of them (SQLite: one MATCH, which intersects the words' rows),
    the page then reads those managers by id and makes no count (before: each word's candidate set tested
    on every manager, 1.1 s at 1,000,000)."""
    page_plan, count_plan, probes = _plans(app, capture, OverviewQuery(q="ada globex"))
    listed = "json_each" if BACKEND == "sqlite" else "unnest"
    assert listed in page_plan and count_plan == "", (page_plan, count_plan)
    if BACKEND == "sqlite":
        assert probes.count("SCAN license_manager_search VIRTUAL TABLE") == 1, probes
        assert "SEARCH license_manager USING INTEGER PRIMARY KEY" in page_plan, page_plan
        assert not re.search(r"SCAN (license_user|license_manager)\b(?!_search)", page_plan + probes), probes


@pytest.mark.parametrize("walk_from", [0, 1, 2])
@pytest.mark.parametrize("cap", [1, 3, 10_000])
def test_every_plan_finds_the_same_managers(app, world, monkeypatch, walk_from, cap):
    """Whatever EXACT_FROM_INDEX and the cap choose (the matches' ids, a walk with a count from the index),
    the rows and the count are the LIKE's, a name that only FTS5's case folding would match included."""
    monkeypatch.setattr(overview, "EXACT_FROM_INDEX", walk_from)
    monkeypatch.setattr(overview, "SEARCH_CAP", cap)
    monkeypatch.setattr(overview, "COUNT_CAP", cap)
    monkeypatch.setattr(lists, "COUNT_CAP", cap)
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        turkish = db.session.get(LicenseUser, db.session.scalar(sa.select(LicenseManager.license_user_id).limit(1)))
        turkish.first_name = "İra"  # FTS5 folds İ to i; SQLite's LIKE does not, so "ira" finds no one here
        db.session.commit()
        for text in [*QUERIES, "ira", "İra"]:
            expected = reference(text)
            query = OverviewQuery(q=text)
            served, page = overview.listing(query)
            assert {row.id for row in page.items} == expected, (text, walk_from, cap)
            assert page.total == (len(expected) if len(expected) <= cap else cap + 1), (text, page.total)


@pytest.mark.parametrize("sure_past_cap", [0, 10**9])
@pytest.mark.parametrize("exact_from_index", [0, 1, 1_000])
def test_postgresql_plans_by_its_estimates_find_the_same_managers(
    app, world, monkeypatch, sure_past_cap, exact_from_index
):
    """PostgreSQL's plans: an estimate past SURE_PAST_CAP walks the sort's index and says "past the cap";
    any other reads the matches through the trigram index, as ids up to EXACT_FROM_INDEX, else counted
    and walked; rows are the LIKE's, a filter beside the words included."""
    if BACKEND != "postgresql":
        pytest.skip("the estimates are PostgreSQL's planner's")
    monkeypatch.setattr(overview, "SURE_PAST_CAP", sure_past_cap)
    monkeypatch.setattr(overview, "EXACT_FROM_INDEX", exact_from_index)
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        for text in QUERIES:
            if not search.terms(text):
                continue
            expected = reference(text)
            served, page = overview.listing(OverviewQuery(q=text))
            assert {row.id for row in page.items} == expected, (text, sure_past_cap, exact_from_index)
            assert page.total == (lists.COUNT_CAP + 1 if sure_past_cap == 0 else len(expected)), text
            for status in ("active", "invited"):  # a filter beside the words, on every route
                filtered = {row.id for row in overview.listing(OverviewQuery(q=text, status=status))[1].items}
                assert filtered == reference(text, status=status), (text, status, exact_from_index)


def test_postgresql_walks_a_word_its_statistics_call_common(app, capture, scale, monkeypatch):
    if BACKEND != "postgresql":
        pytest.skip("the estimates are PostgreSQL's planner's")
    monkeypatch.setattr(overview, "SURE_PAST_CAP", 0)
    page_plan, _, _ = _plans(app, capture, OverviewQuery(q="bulk"))  # every bulk manager's email
    # Read down the order's index, each row tested (ties of created_at put in order as they come).
    assert "ix_license_manager_vendor_created_id" in page_plan and "Seq Scan" not in page_plan, page_plan


def test_an_email_asks_postgresqls_index_for_its_part_before_the_at():
    assert search.index_part("uma.oliveira@c1.scale.test") == "uma.oliveira"
    assert search.index_part("@c1.scale.test") == "@c1.scale.test"  # nothing before the @
    assert search.index_part("ab@x.test") == "ab@x.test"  # too short to be searched alone
    assert search.index_part("lovelace") == "lovelace"


def test_status_filter_and_name_sort_are_served_by_their_indexes(app, capture, scale):
    bulk_managers(app, scale["vendor"], 10, status="invited", orders_each=0)  # a few to list (none: nothing read)
    status_plan = _plans(app, capture, OverviewQuery(status="invited"))
    name_plan = _plans(app, capture, OverviewQuery(sort="name"))[0]
    if BACKEND == "postgresql":
        assert "ix_license_manager_vendor_status_created" in status_plan[0] + status_plan[1]
        assert "ix_license_user_vendor_name_id" in name_plan and "Sort" not in name_plan.split("->")[1], name_plan
    else:
        assert "ix_license_manager_vendor_status_created" in status_plan[0]
        assert "ix_license_manager_vendor_status_created" in status_plan[1]
        assert "TEMP B-TREE" not in status_plan[0]
        assert "ix_license_user_vendor_name_id" in name_plan and "TEMP B-TREE" not in name_plan, name_plan


def test_name_sort_pages_follow_the_index_with_a_tie_break(app, staff_client_scale):
    client, vendor = staff_client_scale
    seen: list[str] = []
    url = URL + "?sort=name"
    for _ in range(200):
        html = client.get(url).get_data(as_text=True)
        seen += row_emails(html)
        found = re.search(r'href="(/vendor/license-managers\?[^"]*after=[^"]*)"[^>]*rel="next"', html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    assert len(seen) == len(set(seen)) == SCALE + len(PEOPLE)
    with staff_client_scale[0].application.app_context():
        set_tenant(db.session, vendor.id)
        rows = db.session.execute(
            sa.select(LicenseUser.email)
            .join(LicenseManager, LicenseManager.license_user_id == LicenseUser.id)
            .order_by(LicenseUser.first_name, LicenseUser.last_name, LicenseUser.id)
        )
        assert seen == list(rows.scalars())


@pytest.fixture
def staff_client_scale(client, login, scale):
    login(scale["staff"])
    return client, scale["vendor"]


# The count


def test_the_count_is_capped_by_a_limited_subquery_and_still_scoped(app, make, world, capture, monkeypatch):
    monkeypatch.setattr(lists, "COUNT_CAP", 5)
    other = make.vendor()
    for i in range(8):
        make.manager(other, email=f"other{i}@vendor2.test")
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        with capture() as seen:
            total = overview.total(OverviewQuery(signed_in="never"))
        assert total == 6  # stops just past the cap: "5+"
        ((statement, _),) = seen.seen
        assert re.search(r"SELECT count\(\*\) .*FROM \(SELECT 1\s+FROM license_manager", statement, re.S), statement
        assert "vendor_account_id" in statement and re.search(r"LIMIT", statement)
        # Unfiltered, the account's own number of managers (``portal.account_counts``) is read by key.
        with capture() as seen:
            assert overview.total(OverviewQuery()) == 6
        ((statement, _),) = seen.seen
        assert "FROM vendor_account" in statement and "license_manager" not in statement
        # Only this vendor's managers are counted, below the cap as well as past it.
        assert overview.total(OverviewQuery(q="vendor2")) == 0
        assert overview.total(OverviewQuery(q="one.test")) == 1
        set_tenant(db.session, other.id)
        assert overview.total(OverviewQuery(q="vendor2")) == 6


# Deep pages


def test_a_page_number_past_the_bound_is_refused_politely_without_reading_rows(app, client, login, world, capture):
    login(world["staff"])
    with capture() as seen:
        response = client.get(URL + "?page=401")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Page 401 is too far in to open directly" in html and "Page numbers go up to 400" in html
    assert 'href="/vendor/license-managers"' in html
    assert not any("OFFSET" in st and "license_user.email" in st for st, _ in seen.seen)
    assert client.get(URL + "?page=400").status_code == 200
    deep = client.get(URL + "?page=100000")
    assert deep.status_code == 200 and "too far in" in deep.get_data(as_text=True)
    huge = client.get(URL + "?page=99999999999")  # not a page number at all: the first page
    assert huge.status_code == 200 and "too far in" not in huge.get_data(as_text=True)


def test_a_deep_page_by_cursor_is_served(app, client, login, scale):
    login(scale["staff"])
    first = client.get(URL + "?sort=email").get_data(as_text=True)
    cursor = re.search(r'after=([^"&]+)', first).group(1)
    html = client.get(f"{URL}?sort=email&page=900&after={cursor}").get_data(as_text=True)
    assert "too far in" not in html and len(row_emails(html)) == 25
