"""The search text's dates, places and cameras (core/search/understand.py) on a table of phrasings in
English, Chinese and a few other languages: what must be taken out as a filter, and what must be left
to the model. The score (rows fully right / rows) is printed and must be 1.0 for the rows that must be
left alone (a wrong filter hides the right results silently)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.search.understand import understand

TODAY = dt.date(2026, 12, 6)
PLACES = ["Lisbon", "Lisbon District", "Portugal", "Porto", "Shanghai", "China", "Paris", "France", "Nice",
          "Victoria", "Reading"]
CAMERAS = ["Google", "Pixel 7", "Apple", "iPhone 14 Pro", "Canon", "Canon EOS R5", "RF24-105mm F4 L IS USM",
           "NIKON CORPORATION", "NIKON Z 6"]


def D(y, m, d=1):
    return dt.datetime(y, m, d)


#: text, what goes to the model, (date from, date to) or None, place or None, camera or None
TABLE = [
    # dates, English
    ("beach July 2023", "beach", (D(2023, 7), D(2023, 8)), None, None),
    ("beach in July 2023", "beach", (D(2023, 7), D(2023, 8)), None, None),
    ("July 2023 beach", "beach", (D(2023, 7), D(2023, 8)), None, None),
    ("dog Jan 2024", "dog", (D(2024, 1), D(2024, 2)), None, None),
    ("snow last winter", "snow", (D(2025, 12), D(2026, 3)), None, None),
    ("beach last summer", "beach", (D(2026, 6), D(2026, 9)), None, None),
    ("fireworks last year", "fireworks", (D(2025, 1), D(2026, 1)), None, None),
    ("birthday cake this year", "birthday cake", (D(2026, 1), D(2027, 1)), None, None),
    ("leaves last month", "leaves", (D(2026, 11), D(2026, 12)), None, None),
    ("summer 2022 beach", "beach", (D(2022, 6), D(2022, 9)), None, None),
    ("skiing in winter of 2021", "skiing", (D(2021, 12), D(2022, 3)), None, None),
    ("dog in 2019", "dog", (D(2019, 1), D(2020, 1)), None, None),
    ("concert from 2018", "concert", (D(2018, 1), D(2019, 1)), None, None),
    ("cake on 4 July 2023", "cake", (D(2023, 7, 4), D(2023, 7, 5)), None, None),
    ("fireworks July 4th, 2023", "fireworks", (D(2023, 7, 4), D(2023, 7, 5)), None, None),
    ("beach 2023-07", "beach", (D(2023, 7), D(2023, 8)), None, None),
    ("cars before 2010", "cars", (None, D(2010, 1)), None, None),
    ("kids since 2020", "kids", (D(2020, 1), None), None, None),
    # dates, other languages (dateparser)
    ("plage juillet 2023", "plage", (D(2023, 7), D(2023, 8)), None, None),
    ("Strand im Juli 2023", "Strand", (D(2023, 7), D(2023, 8)), None, None),
    ("playa julio de 2023", "playa", (D(2023, 7), D(2023, 8)), None, None),
    # dates, Chinese
    ("2023年7月 海滩", "海滩", (D(2023, 7), D(2023, 8)), None, None),
    ("海滩 2023年7月", "海滩", (D(2023, 7), D(2023, 8)), None, None),
    ("2023年7月4日 生日蛋糕", "生日蛋糕", (D(2023, 7, 4), D(2023, 7, 5)), None, None),
    ("2022年 烟花", "烟花", (D(2022, 1), D(2023, 1)), None, None),
    ("去年冬天 雪", "雪", (D(2025, 12), D(2026, 3)), None, None),
    ("去年 猫", "猫", (D(2025, 1), D(2026, 1)), None, None),
    ("今年夏天的海边", "海边", (D(2026, 6), D(2026, 9)), None, None),
    ("上个月 的 聚会", "聚会", (D(2026, 11), D(2026, 12)), None, None),
    # places
    ("sunset in Lisbon", "sunset", None, "Lisbon", None),
    ("tram at Lisbon", "tram", None, "Lisbon", None),
    ("street food in shanghai", "street food", None, "Shanghai", None),
    ("river near Porto", "river", None, "Porto", None),
    ("在Shanghai的夜景", "夜景", None, "Shanghai", None),
    ("beach in Portugal July 2023", "beach", (D(2023, 7), D(2023, 8)), "Portugal", None),
    # cameras
    ("photos from my Pixel", "", None, None, "Pixel"),
    ("sunset shot on iPhone", "sunset", None, None, "iPhone"),
    ("birds with the Canon EOS R5", "birds", None, None, "Canon EOS R5"),
    ("portraits taken with my NIKON Z 6", "portraits", None, None, "NIKON Z 6"),
    ("用Pixel 7拍的照片", "", None, None, "Pixel 7"),
    ("我的iPhone拍的 日落", "日落", None, None, "iPhone"),
    ("sunset in Lisbon from my Pixel last summer", "sunset", (D(2026, 6), D(2026, 9)), "Lisbon", "Pixel"),
    # left alone: these are what to look for
    ("1984 poster", "1984 poster", None, None, None),
    ("May flowers", "May flowers", None, None, None),
    ("march of the penguins", "march of the penguins", None, None, None),
    ("nice dog", "nice dog", None, None, None),
    ("Paris Hilton", "Paris Hilton", None, None, None),
    ("reading a book", "reading a book", None, None, None),
    ("apple pie", "apple pie", None, None, None),
    ("canon in the park", "canon in the park", None, None, None),
    ("2001 a space odyssey", "2001 a space odyssey", None, None, None),
    ("summer dress", "summer dress", None, None, None),
    ("jersey number 23", "jersey number 23", None, None, None),
    ("a sign saying 2023", "a sign saying 2023", None, None, None),
    ("Victoria Falls", "Victoria Falls", None, None, None),
    ("七月 的 花", "七月 的 花", None, None, None),
    ("红色的汽车", "红色的汽车", None, None, None),
]


def _outcome(text):
    u = understand(text, PLACES, CAMERAS, TODAY)
    date = u.part("date")
    place, camera = u.part("place"), u.part("camera")
    return (u.text, date.value if date else None, place.value if place else None, camera.value if camera else None)


def test_the_table_is_big_enough():
    assert len(TABLE) >= 40
    assert sum(1 for row in TABLE if any("\u4e00" <= ch <= "\u9fff" for ch in row[0])) >= 10


def test_the_parser_table_score(capsys):
    wrong = []
    for text, rest, date, place, camera in TABLE:
        got = _outcome(text)
        if got != (rest, date, place, camera):
            wrong.append((text, got))
    score = 1 - len(wrong) / len(TABLE)
    with capsys.disabled():
        print(f"\nparser table: {len(TABLE) - len(wrong)}/{len(TABLE)} right (score {score:.3f})")
        for text, got in wrong:
            print(f"  wrong: {text!r} -> {got}")
    left_alone = [t for t, got in wrong if next(r for r in TABLE if r[0] == t)[2:] == (None, None, None)]
    assert not left_alone, left_alone  # never a filter where none was meant
    assert score >= 0.95


@pytest.mark.parametrize("text", ["beach July 2023", "sunset in Lisbon from my Pixel last summer"])
def test_a_removed_chip_gives_its_words_back(text):
    u = understand(text, PLACES, CAMERAS, TODAY)
    for part in u.parts:
        back = u.without(part.kind)
        assert back.part(part.kind) is None
        assert part.words.split()[-1] in back.text  # the words are searched for again
        assert len(back.parts) == len(u.parts) - 1


def test_the_understood_line_and_filters():
    u = understand("beach in Lisbon July 2023", PLACES, CAMERAS, TODAY)
    assert u.line == "July 2023 · place Lisbon"
    f = u.filters()
    assert (f.date_from, f.date_to, f.place) == (D(2023, 7), D(2023, 8), "Lisbon")
