"""The test server's launcher (devtools/secantusd.py) moves a query's filter ahead of its joins only
when the filter reads none of the joined fields, as MongoDB's optimizer does: same results."""

from __future__ import annotations

from devtools.secantusd import hoist_matches

EVENT_JOIN = [
    {"$lookup": {"from": "organizers_event", "localField": "event_id", "foreignField": "id", "as": "event"}},
    {"$unwind": "$event"},
    {"$lookup": {"from": "finance_category", "localField": "category_id", "foreignField": "id", "as": "category"}},
    {"$set": {"category": {"$cond": {"if": {"$eq": [{"$size": "$category"}, 0]}, "then": [{}], "else": "$category"}}}},
]
SORT = {"$sort": {"event.start_date": -1}}


def test_a_filter_on_the_collections_own_fields_moves_ahead_of_the_joins():
    match = {"$match": {"$and": [{"event_id": {"$in": ["e1", "e2"]}}, {"status": "paid"}]}}

    assert hoist_matches([*EVENT_JOIN, match, SORT]) == [match, *EVENT_JOIN, SORT]


def test_a_filter_that_reads_a_joined_field_stays_after_the_joins():
    by_name = {"$match": {"event.name": "Festival"}}
    by_expression = {"$match": {"$expr": {"$gt": ["$capacity", "$category.capacity"]}}}
    nested = {"$match": {"$or": [{"status": "paid"}, {"category": {"name": "Food"}}]}}

    for match in (by_name, by_expression, nested):
        assert hoist_matches([*EVENT_JOIN, match, SORT]) == [*EVENT_JOIN, match, SORT]


def test_pipelines_without_leading_joins_are_left_as_they_are():
    match = {"$match": {"status": "paid"}}
    after_another_stage = [*EVENT_JOIN, {"$addFields": {"total": "$amount"}}, match]

    assert hoist_matches([match, SORT]) == [match, SORT]
    assert hoist_matches([SORT, match]) == [SORT, match]
    assert hoist_matches(after_another_stage) == after_another_stage
    assert hoist_matches(EVENT_JOIN) == EVENT_JOIN
