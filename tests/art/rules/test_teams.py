"""Team initials unique within a train (art.rules.teams), worked by hand."""

from art.rules.teams import team_initials, unique_initials


def test_own_initials_are_the_abbreviation_else_two_first_letters():
    assert team_initials("Card Acquiring", "acq") == "ACQ"
    assert team_initials("Carrier Portal") == "CP"
    assert team_initials("Data-Lake") == "DL"
    assert team_initials("Billing") == "BI"


def test_teams_that_do_not_collide_keep_their_own_initials():
    assert unique_initials(["Billing", "Data Lake", "Checkout"], {"Checkout": "CHK"}) == {
        "Billing": "BI",
        "Data Lake": "DL",
        "Checkout": "CHK",
    }


def test_carrier_portal_and_cloud_platform_take_one_more_letter_of_the_second_word():
    # CP and CP; all their words' first letters are CP and CP again; one more letter of
    # "Portal" and "Platform": CPo and CPl. Claims (CL) is not touched.
    assert unique_initials(["Claims", "Cloud Platform", "Carrier Portal"]) == {
        "Carrier Portal": "CPo",
        "Claims": "CL",
        "Cloud Platform": "CPl",
    }


def test_numbered_namesakes_take_the_first_letter_of_every_word():
    assert unique_initials(["Payments Core", "Payments Core 2", "Payments Core 3"]) == {
        "Payments Core": "PC",
        "Payments Core 2": "PC2",
        "Payments Core 3": "PC3",
    }


def test_one_word_names_take_a_third_letter():
    assert unique_initials(["Billing", "Bidding"]) == {"Bidding": "BId", "Billing": "BIl"}


def test_an_abbreviation_set_by_hand_keeps_it_and_the_derived_namesake_moves():
    assert unique_initials(["Core Payments", "Carrier Portal"], {"Core Payments": "cp"}) == {
        "Core Payments": "CP",
        "Carrier Portal": "CPo",
    }


def test_a_step_never_takes_initials_another_team_has():
    # CPo would be free of Carrier Portal's namesake, but "Cpo Team" has CPO already: the next
    # step, one more letter of the first word, gives CaP and ClP.
    assert unique_initials(["Carrier Portal", "Clover Pond", "Cpo Team"], {"Cpo Team": "CPO"}) == {
        "Carrier Portal": "CaP",
        "Clover Pond": "ClP",
        "Cpo Team": "CPO",
    }


def test_when_no_step_tells_them_apart_a_number_in_name_order_does():
    # "Team A" sorts before "Team-A" (a space before a hyphen); every step gives both the same.
    assert unique_initials(["Team-A", "Team A"]) == {"Team A": "TA1", "Team-A": "TA2"}
    # two abbreviations set alike by hand are numbered too
    assert unique_initials(["Ledger", "Lending"], {"Ledger": "LD", "Lending": "LD"}) == {
        "Ledger": "LD1",
        "Lending": "LD2",
    }


def test_the_answer_does_not_depend_on_the_order_of_the_names():
    names = ["Cloud Platform", "Carrier Portal", "Claims", "Customs", "Payments Core 2", "Payments Core"]
    assert unique_initials(names) == unique_initials(list(reversed(names)))


def test_initials_are_unique_without_case_across_a_24_team_train():
    names = [f"Team {i // 3} Customer Identity {i}" for i in range(24)] + ["Carrier Portal", "Cloud Platform"]
    shown = unique_initials(names)
    assert len({v.upper() for v in shown.values()}) == len(names)
