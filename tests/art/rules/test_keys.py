from art.rules.keys import DEPENDENCY, FEATURE, STORY, card_key, parse_card_key


def test_the_key_is_the_external_key_else_the_letter_and_the_number_in_the_train():
    assert card_key(FEATURE, 12) == "F-12"
    assert card_key(FEATURE, 12, "") == "F-12"
    assert card_key(FEATURE, 12, "PAY-101") == "PAY-101"
    assert card_key(STORY, 1) == "S-1"
    assert card_key(DEPENDENCY, 7, None) == "D-7"


def test_a_typed_key_gives_its_number_only_for_its_own_kind():
    assert parse_card_key("F-12", FEATURE) == 12
    assert parse_card_key("  f-3 ", FEATURE) == 3
    assert parse_card_key("S-12", FEATURE) is None
    assert parse_card_key("F-", FEATURE) is None
    assert parse_card_key("F-1x", FEATURE) is None
    assert parse_card_key("PAY-12", FEATURE) is None
    assert parse_card_key("D-40", DEPENDENCY) == 40
