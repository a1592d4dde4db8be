import pytest

from accounts.models import initials_of
from accounts.tests.factories import UserFactory


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Dr. Abdul Karim", "AK"),
        ("dr abdul karim", "AK"),
        ("Dr.Abdul Karim", "AK"),
        ("Prof. Dr. Nasrin Akter Chowdhury", "NC"),
        ("Rahim", "R"),
        ("ডা. ফারহানা মোল্লা", "ফম"),
        ("ডাঃ শ্রী কৃষ্ণ", "শক"),
        ("অধ্যাপক ডা. য়াসিন আলী", "য়আ"),
        ("<b>Bold</b>", "B"),
        ("", ""),
        ("Dr.", ""),
    ],
)
def test_initials_leave_out_titles_and_take_first_and_last_words(name, initials):
    assert initials_of(name) == initials


@pytest.mark.django_db
def test_a_user_without_a_name_gets_the_first_letter_of_the_email():
    assert UserFactory(full_name="", email="rina@example.com").initials == "R"
