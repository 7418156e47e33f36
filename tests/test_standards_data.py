"""The standards data files, one by one: pollutant ids, media and units, dates, industries and the
record of how each standard was transcribed and checked (geodatasets' registry tests, for our YAML)."""

import re
from collections import defaultdict
from importlib.resources import files

import pytest
import yaml

from standards.catalog import _DATA, load_standards
from standards.model import dimensions_of
from standards.units import parse_unit

CAT = load_standards(_DATA)
DATA = files("standards").joinpath("data")
STANDARD_FILES = sorted(p.name for p in DATA.iterdir() if p.name.endswith(".yaml"))


def raw(name):
    return yaml.safe_load(DATA.joinpath(name).read_text(encoding="utf-8"))


def rows_of(data):
    """(table id, row) for every limit row of a standard file or an amendment's added rows."""
    for table in data.get("tables", ()):
        for row in table["limits"]:
            yield table["id"], row
    for table_id, rows in (data.get("added_rows") or {}).items():
        for row in rows:
            yield table_id, row


def rows_with_medium(data):
    """(table id, row, 'air' | 'water') for every row; an amendment's rows take its base table's medium."""
    if "amends" in data:
        tables = {t.id: t.medium for t in CAT.standards[data["amends"]].tables}
    else:
        tables = {t["id"]: t.get("medium") or data["medium"] for t in data["tables"]}
    for table, row in rows_of(data):
        yield table, row, "air" if tables[table] == "air" else "water"


# --- the pollutant registry ---------------------------------------------------------------------

# Ids that share a CAS number or a zh name on purpose. Key: the ids; value: why they are not one substance.
# Zh names are compared after dropping a leading 总 ("total"), a bracketed "(以X计)" basis, spaces and
# hyphens, so that 间-二甲苯 / 间二甲苯 or 总氰化物 / 氰化物 cannot slip through as two ids unnoticed.
DELIBERATE_SHARED_NAMES = {
    frozenset({"CN", "cyanide"}): "总氰化物 (total cyanide) vs 氰化物 as GB 3838-2002 prints it, measured by "
                                  "GB 7487-87: not the same quantity",
}


def _zh_key(zh):
    key = re.sub(r"[（(]以[^）)]*计[）)]", "", zh)
    key = re.sub(r"[\s\-–—]", "", key)
    return key.removeprefix("总")


def _clashes(key_of):
    by_key = defaultdict(set)
    for pol in CAT.pollutants.values():
        key = key_of(pol)
        if key:
            by_key[key].add(pol.id)
    return {key: ids for key, ids in by_key.items() if len(ids) > 1}


def test_no_two_pollutant_ids_share_a_cas_number():
    clashes = {cas: ids for cas, ids in _clashes(lambda p: p.cas).items()
               if frozenset(ids) not in DELIBERATE_SHARED_NAMES}
    assert not clashes, f"one substance, several ids (merge them, or list them in DELIBERATE_SHARED_NAMES): {clashes}"


def test_no_two_pollutant_ids_share_a_zh_name():
    clashes = {zh: ids for zh, ids in _clashes(lambda p: _zh_key(p.zh)).items()
               if frozenset(ids) not in DELIBERATE_SHARED_NAMES}
    assert not clashes, f"one substance, several ids (merge them, or list them in DELIBERATE_SHARED_NAMES): {clashes}"


@pytest.mark.parametrize("ids", sorted(DELIBERATE_SHARED_NAMES, key=sorted), ids=lambda ids: "+".join(sorted(ids)))
def test_deliberate_exceptions_are_real_and_explained(ids):
    assert ids <= set(CAT.pollutants), f"{sorted(ids)}: an exception for ids the registry no longer holds"
    assert len(DELIBERATE_SHARED_NAMES[ids]) > 20


def test_pollutant_ids_are_ascii():
    assert all(pid.isascii() for pid in CAT.pollutants)


# --- each standards file --------------------------------------------------------------------------


@pytest.mark.parametrize("name", STANDARD_FILES)
def test_every_pollutant_id_exists(name):
    data = raw(name)
    unknown = {f"{table} item {row['item']}: {row['pollutant']}" for table, row in rows_of(data)
               if row["pollutant"] not in CAT.pollutants}
    unknown |= {f"{c['table']}: {c['pollutant']}" for c in data.get("changes", ())
                if c["pollutant"] not in CAT.pollutants}
    assert not unknown, f"{name}: pollutant ids not in standards/data/pollutants/: {sorted(unknown)}"


@pytest.mark.parametrize("name", STANDARD_FILES)
def test_every_row_unit_fits_its_pollutant_media(name):
    """The model refuses a unit of the wrong dimension for its table's medium (MEDIUM_DIMENSIONS); this
    re-checks the shipped files against the registry's media, table by table."""
    data = raw(name)
    wrong = []
    for table, row, medium in rows_with_medium(data):
        pollutant = CAT.pollutants[row["pollutant"]]
        where = f"{table} item {row['item']} {row['pollutant']}"
        if medium not in pollutant.media:
            wrong.append(f"{where}: this {medium} table uses it, but its media are {list(pollutant.media)}")
        dimension = parse_unit(row["unit"]).dimension
        if dimension not in dimensions_of(medium):
            wrong.append(f"{where}: unit {row['unit']} ({dimension}) is not a {medium} unit")
    assert not wrong, f"{name}:\n" + "\n".join(wrong)


def test_a_water_unit_in_an_air_table_is_refused_by_the_model():
    from standards.model import Table

    table = {"id": "表9", "title_zh": "x", "title_en": "x", "medium": "air", "applies_from": "2020-01-01",
             "columns": [{"id": "limit", "label_zh": "限值", "label_en": "limit"}],
             "limits": [{"item": "1", "pollutant": "COD", "pollutant_zh": "化学需氧量", "unit": "mg/L",
                         "values": {"limit": 50}}]}
    with pytest.raises(ValueError, match="mg/L .*not a air unit"):
        Table.model_validate(table)


def test_no_data_file_names_a_path_on_a_disk():
    for name in STANDARD_FILES:
        text = DATA.joinpath(name).read_text(encoding="utf-8")
        assert "/work/" not in text and "standards-texts" not in text, f"{name} cites a disk path"


@pytest.mark.parametrize("name", STANDARD_FILES)
def test_every_table_has_applies_from(name):
    data = raw(name)
    if "amends" in data:
        assert data.get("effective"), f"{name}: an amendment applies from its 'effective' date"
        return
    missing = [t["id"] for t in data["tables"] if not t.get("applies_from")]
    assert not missing, f"{name}: tables without applies_from: {missing}"


# Industry standards that list no industries on purpose, and why.
NO_INDUSTRY_LIST = {
    "GB13271-2014": "boilers in any industry: defined by equipment (第1章), selected by source type 'boiler'",
}


@pytest.mark.parametrize("name", STANDARD_FILES)
def test_every_industry_standard_lists_industries(name):
    data = raw(name)
    if data.get("kind") != "industry":
        return
    if data["id"] in NO_INDUSTRY_LIST:
        assert not data.get("industries"), f"{name} lists industries now: drop it from NO_INDUSTRY_LIST"
        return
    assert data.get("industries"), f"{name}: an industry standard must list its GB/T 4754-2017 codes"


@pytest.mark.parametrize("name", STANDARD_FILES)
def test_every_transcription_is_recorded(name):
    data = raw(name)
    if "amends" in data:
        # an amendment has no transcription field (model.Amendment): its source says how it was read
        assert str(data.get("source") or "").strip(), f"{name}: an amendment must say where it was read"
        return
    assert str(data.get("transcription") or "").strip(), f"{name}: transcription is empty"


@pytest.mark.parametrize("name", STANDARD_FILES)
def test_town_wwtp_rows_carry_the_direct_figure(name):
    """A 'town WWTP: meet the direct limits' note (GB 31571 表1/表2 note (1), GB 4287 amendment note (3)) is
    encoded as indirect-column rows with wwtp: town carrying the figure of the table's direct column."""
    data = raw(name)
    base = raw(f"{data['amends']}.yaml") if "amends" in data else data
    direct = defaultdict(list)
    for table, row in rows_of(base):
        cond = row.get("conditions") or {}
        if "direct" in row["values"] and not cond.get("wwtp"):
            key = (table, row["item"], row["pollutant"], bool(cond.get("other")), cond.get("industries_zh"))
            direct[key].append(row["values"]["direct"])
    for table, row in rows_of(data):
        cond = row.get("conditions") or {}
        if cond.get("wwtp") != "town":
            continue
        assert set(row["values"]) == {"indirect"}, f"{name} {table} item {row['item']}: town rows sit under indirect"
        key = (table, row["item"], row["pollutant"], bool(cond.get("other")), cond.get("industries_zh"))
        assert row["values"]["indirect"] in direct[key], (
            f"{name} {table} item {row['item']} {row['pollutant']}: town figure {row['values']['indirect']} is not "
            f"the direct figure {direct[key]}")


# --- double entry of scanned tables (tools/compare_transcripts.py) --------------------------------------

RECORDS = sorted(p.name for p in DATA.joinpath("double-entry").iterdir() if p.name.endswith(".yaml"))


@pytest.mark.parametrize("name", RECORDS)
def test_every_double_entry_disagreement_is_decided(name):
    record = yaml.safe_load(DATA.joinpath("double-entry", name).read_text(encoding="utf-8"))
    assert record["compared_by"].startswith("tools/compare_transcripts.py")
    undecided = [d for d in record["disagreements"] if not d.get("decision") or not d.get("why")]
    assert not undecided, f"{name}: undecided disagreements {undecided}"
    if "figures_compared" in record:
        assert record["rows_A"] == record["rows_B"] == record["figures_compared"]
        assert all(d["field"] != "value" for d in record["disagreements"]) or record["figures_agreeing"] < \
            record["figures_compared"]


@pytest.mark.parametrize("standard,table,figures", [
    ("GB3838-2002", "表3", 80), ("GB8978-1996", "表2", 138), ("GB21900-2008", "表6", 5)])
def test_tables_from_double_entry_hold_every_compared_figure(standard, table, figures):
    """One catalogue figure per transcribed cell (the record counts the cells both readers agreed on)."""
    record = yaml.safe_load(DATA.joinpath("double-entry", f"{standard}-{table}.yaml").read_text(encoding="utf-8"))
    held = [lim for lim in CAT.rows(standard) if lim.table == table]
    assert len(held) == record["figures_compared"] == figures


def test_every_table_read_from_a_scan_says_how_it_was_double_entered():
    for name in ("GB16297-1996-表1", "GB16297-1996-表2", "GB3838-2002-表3", "GB8978-1996-表2", "GB21900-2008-表6"):
        standard = name.split("-表")[0]
        assert f"double-entry/{name}.yaml" in CAT.standards[standard].transcription, name
