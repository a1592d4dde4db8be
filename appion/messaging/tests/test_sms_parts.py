"""Counting SMS parts as gateways charge them: GSM-7 160 alone, 153 a part; UCS-2 (any
character outside GSM-7, Bengali included) 70 alone, 67 a part."""

import pytest

from appion.messaging import sms


@pytest.mark.parametrize(
    "text, name, units, parts",
    [
        ("", "gsm7", 0, 1),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        # The extension table's characters take an escape: two septets each.
        ("€" * 80, "gsm7", 160, 1),
        ("[" * 81, "gsm7", 162, 2),
        ("Dr. Ruhul Amin @ Dhanmondi £500 ¿ÄÖÑÜ", "gsm7", 37, 1),
        # One character outside GSM-7 makes the whole message UCS-2.
        ("a" * 69 + "’", "ucs2", 70, 1),
        ("a" * 70 + "’", "ucs2", 71, 2),
        ("আ" * 70, "ucs2", 70, 1),
        ("আ" * 71, "ucs2", 71, 2),
        ("আ" * 134, "ucs2", 134, 2),
        ("আ" * 135, "ucs2", 135, 3),
        ("ডাক্তার" * 10, "ucs2", 70, 1),  # conjuncts and vowel signs are characters too
        # Outside the Basic Multilingual Plane: two UTF-16 units.
        ("😷" * 35, "ucs2", 70, 1),
        ("😷" * 36, "ucs2", 72, 2),
    ],
)
def test_parts_are_counted_as_gateways_charge(text, name, units, parts):
    assert sms.encoding(text) == sms.Encoding(name, units, parts)
    assert sms.parts(text) == parts


def test_bengali_digits_alone_make_a_message_ucs2():
    assert sms.encoding("Serial ৩").name == "ucs2"
    assert sms.encoding("Serial 3").name == "gsm7"


def test_fit_shortens_the_longest_name_first_and_keeps_the_rest():
    def render(doctor, chamber):
        return f"Appion: {doctor} at {chamber}, serial 3. https://appion.example.com/a/1/"

    fitted = sms.fit(
        render,
        {"doctor": "Dr. " + "Rahman " * 40, "chamber": "Popular\nDiagnostic"},
        shrinkable=("doctor", "chamber"),
        max_parts=1,
    )
    assert sms.parts(fitted) == 1
    assert "Popular Diagnostic" in fitted  # made one line, not shortened: it was short
    assert fitted.startswith("Appion: Dr. Rahman Rahman")
    assert "... at Popular Diagnostic" in fitted
    assert fitted.endswith("serial 3. https://appion.example.com/a/1/")


def test_fit_keeps_bengali_to_two_ucs2_parts():
    def render(doctor):
        return f"অ্যাপয়েন্টমেন্ট নিশ্চিত: {doctor}, সিরিয়াল ৩।"

    fitted = sms.fit(render, {"doctor": "ডা. " + "রহমান " * 60}, shrinkable=("doctor",))
    assert sms.encoding(fitted).name == "ucs2"
    assert sms.parts(fitted) == 2
    assert fitted.endswith("সিরিয়াল ৩।")


def test_fit_cuts_the_text_when_names_cannot_be_shortened_enough():
    fitted = sms.fit(lambda text: text, {"text": "x" * 1000}, shrinkable=())
    assert len(fitted) == 306
