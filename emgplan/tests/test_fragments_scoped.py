"""Fragments keyed by other objects' scope tokens (emgplan/fragments.py): a Batch whose objects hold the token of
another object (a row under its activity's), or of several; a fragment holding the tokens of many objects."""
import pytest

from emgplan import fragments

pytestmark = pytest.mark.django_db  # retire() waits for the commit: in a test's transaction it runs at once


def _batch(**kwargs):
    return fragments.Batch("rows", plan_id=1, kinds=[fragments.FRAME], scope="box", **kwargs)


def test_a_batch_keys_each_object_by_the_scope_it_names():
    ids = [10, 11, 12, 13]
    scope_ids = {10: 1, 11: 1, 12: 2, 13: (2, 3)}
    keys = _batch(ids=ids, scope_ids=scope_ids).keys
    assert len(set(keys.values())) == 4  # each object its own fragment
    assert _batch(ids=ids, scope_ids=scope_ids).keys == keys  # stable while nothing is retired
    fragments.retire_scoped("box", 1)
    after = _batch(ids=ids, scope_ids=scope_ids).keys
    assert [after[pk] != keys[pk] for pk in ids] == [True, True, False, False]
    keys = after
    fragments.retire_scoped("box", 3)  # 13 holds 2's token and 3's
    after = _batch(ids=ids, scope_ids=scope_ids).keys
    assert [after[pk] != keys[pk] for pk in ids] == [False, False, False, True]
    keys = after
    fragments.retire_scoped("box", 10)  # its own id is no scope of its
    assert _batch(ids=ids, scope_ids=scope_ids).keys == keys
    fragments.retire(fragments.FRAME)
    after = _batch(ids=ids, scope_ids=scope_ids).keys
    assert all(after[pk] != keys[pk] for pk in ids)


def test_without_scope_ids_an_object_is_its_own_scope():
    keys = _batch(ids=[5, 6]).keys
    assert _batch(ids=[5, 6], scope_ids={5: 5, 6: (6,)}).keys == keys
    fragments.retire_scoped("box", 6)
    after = _batch(ids=[5, 6]).keys
    assert after[5] == keys[5] and after[6] != keys[6]


def test_a_fragment_of_many_objects_goes_with_any_of_them():
    built = []

    def build():
        built.append(1)
        return f"file {len(built)}"

    def get(ids=(1, 2, 3)):
        return fragments.fragment("file", plan_id=1, kinds=[fragments.DECISIONS], scopes={"box": ids}, build=build)

    assert get() == get() == "file 1"
    assert get(ids=(3, 2, 1, 1)) == "file 1"  # the same objects in another order
    assert get(ids=(1, 2)) == "file 2"  # other objects, another fragment
    fragments.retire_scoped("box", 4)
    assert get() == "file 1"
    fragments.retire_scoped("box", 2)
    assert get() == "file 3"
    fragments.retire(fragments.DECISIONS)
    assert get() == "file 4"
    fragments.retire(fragments.CONTRIBUTIONS)
    assert get() == "file 4"
    key = fragments.fragment_key("file", plan_id=1, kinds=[fragments.DECISIONS], scopes={"box": (1, 2, 3)})
    assert fragments.stored(key, build) == "file 4"
    assert key != fragments.fragment_key("file", plan_id=1, kinds=[fragments.DECISIONS])


def test_restoring_retires_decisions_too():
    key = fragments.fragment_key("x", plan_id=1, kinds=[fragments.DECISIONS])
    fragments.retire_all()
    assert fragments.fragment_key("x", plan_id=1, kinds=[fragments.DECISIONS]) != key
