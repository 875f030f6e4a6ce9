# ruff: noqa: E501
"""The writers of general news items: each draws a (title, summary) from hand-written templates and vocabularies.

make_general_news.py mixes them into general_news.jsonl; the vocabularies are data (general_news_vocabulary.json).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The vocabularies and templates the generator draws from, kept as data beside it.
_VOCABULARY = json.loads((HERE / "general_news_vocabulary.json").read_text(encoding="utf-8"))
TOWNS = _VOCABULARY["TOWNS"]
REGIONS = _VOCABULARY["REGIONS"]
TEAMS = _VOCABULARY["TEAMS"]
SPORTS_EVENTS = _VOCABULARY["SPORTS_EVENTS"]
ATHLETICS = _VOCABULARY["ATHLETICS"]
INJURIES = _VOCABULARY["INJURIES"]
FIRST = _VOCABULARY["FIRST"]
LAST = _VOCABULARY["LAST"]
COUNCIL_ACTIONS = _VOCABULARY["COUNCIL_ACTIONS"]
WEATHER = _VOCABULARY["WEATHER"]
STORMS = _VOCABULARY["STORMS"]
MONTHS = _VOCABULARY["MONTHS"]
BRANDS = _VOCABULARY["BRANDS"]
GADGETS = _VOCABULARY["GADGETS"]
GADGET_FEATURES = _VOCABULARY["GADGET_FEATURES"]
SOFTWARE = _VOCABULARY["SOFTWARE"]
SOFTWARE_FEATURES = _VOCABULARY["SOFTWARE_FEATURES"]
CONDITIONS = _VOCABULARY["CONDITIONS"]
HABITS = _VOCABULARY["HABITS"]
UNITS = _VOCABULARY["UNITS"]
INDICES = _VOCABULARY["INDICES"]
MARKET_DRIVERS = _VOCABULARY["MARKET_DRIVERS"]
COUNTRIES = _VOCABULARY["COUNTRIES"]
COMMODITIES = _VOCABULARY["COMMODITIES"]
SCIENCE = _VOCABULARY["SCIENCE"]
CREATURES = _VOCABULARY["CREATURES"]
ANIMALS = _VOCABULARY["ANIMALS"]
FINDS = _VOCABULARY["FINDS"]
FILMS = _VOCABULARY["FILMS"]
ARTISTS = _VOCABULARY["ARTISTS"]
FESTIVALS = _VOCABULARY["FESTIVALS"]
FIRM_NAMES = _VOCABULARY["FIRM_NAMES"]
SMALL_FIRMS = _VOCABULARY["SMALL_FIRMS"]
AI_FEATURES = _VOCABULARY["AI_FEATURES"]
WORKERS = _VOCABULARY["WORKERS"]
TUTORIALS = _VOCABULARY["TUTORIALS"]
CHIP_FALSE_FRIENDS = _VOCABULARY["CHIP_FALSE_FRIENDS"]
FLAVOURS = _VOCABULARY["FLAVOURS"]
CROPS = _VOCABULARY["CROPS"]
CONTRABAND = _VOCABULARY["CONTRABAND"]
GAMING = _VOCABULARY["GAMING"]
PRIVACY = _VOCABULARY["PRIVACY"]
SAFETY = _VOCABULARY["SAFETY"]
UNIS = _VOCABULARY["UNIS"]
DOMAINS = _VOCABULARY["DOMAINS"]
RALLIES = _VOCABULARY["RALLIES"]
ZH_TOWNS = _VOCABULARY["ZH_TOWNS"]
ZH = _VOCABULARY["ZH"]

Writer = Callable[[random.Random], tuple[str, str]]  # writes one (title, summary)


def _fill(rng: random.Random, text: str) -> str:
    values = {
        "town": rng.choice(TOWNS),
        "region": rng.choice(REGIONS),
        "storm": rng.choice(STORMS),
        "month": rng.choice(MONTHS),
        "hot": str(rng.randint(33, 41)),
        "brand": rng.choice(BRANDS),
        "size": str(rng.choice([14, 15, 16, 17, 18])),
        "firm": rng.choice(SMALL_FIRMS),
        "named": rng.choice(FIRM_NAMES),
        "adj": rng.choice(["distant", "dusty", "red", "tiny", "spiral", "faint"]),
        "n": str(rng.randint(2, 13)),
        "creature": rng.choice(CREATURES),
        "find": rng.choice(FINDS),
        "flavour": rng.choice(FLAVOURS),
        "crop": rng.choice(CROPS),
        "contraband": rng.choice(CONTRABAND),
        "uni": rng.choice(UNIS),
        "domain": rng.choice(DOMAINS),
        "k": str(rng.randint(2, 90) * 5),
    }
    animal, skill = rng.choice(ANIMALS)
    values.update(animal=animal, skill=skill)
    return text.format(**values)


def _sport(rng: random.Random) -> tuple[str, str]:
    a, b = rng.sample(TOWNS, 2)
    ta, tb = rng.choice(TEAMS), rng.choice(TEAMS)
    who = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    choice = rng.randrange(7)
    if choice == 0:
        s1, s2 = rng.randint(1, 5), rng.randint(0, 3)
        s1 = max(s1, s2 + 1)
        return (
            f"{a} {ta} beat {b} {tb} {s1}-{s2} to reach the {rng.choice(SPORTS_EVENTS)}",
            f"{who} scored twice as the visitors were outplayed in the second half.",
        )
    if choice == 1:
        return (
            f"{who} out of {rng.choice(SPORTS_EVENTS)} with {rng.choice(INJURIES)} injury",
            f"The {a} {ta} captain is expected to miss at least {rng.randint(2, 8)} weeks.",
        )
    if choice == 2:
        return (
            f"{a} {ta} part company with manager after {rng.randint(6, 14)} games without a win",
            rng.choice(
                [
                    "The club said a replacement would be named before the next fixture.",
                    "His assistant takes charge for the weekend.",
                    "The club sits second from bottom of the table.",
                ]
            ),
        )
    if choice == 3:
        return (
            f"{who} sets national record in the {rng.choice(ATHLETICS)}",
            f"The {rng.randint(19, 31)}-year-old improved the mark at a meeting in {a}.",
        )
    if choice == 4:
        return (
            f"{who} wins {a} marathon in {rng.randint(2, 2)}:{rng.randint(6, 29):02d}:{rng.randint(0, 59):02d}",
            f"More than {rng.randint(3, 25)},000 runners took part in warm conditions.",
        )
    if choice == 5:
        return (
            f"{a} {ta} sign {who} on a {rng.randint(2, 5)}-year deal",
            f"The {rng.choice(['midfielder', 'goalkeeper', 'winger', 'defender', 'striker'])} joins from {b} {tb}.",
        )
    return (f"Rain delays final day of {a} cricket festival", f"Play resumed after tea and {b} held on for a draw.")


def _local(rng: random.Random) -> tuple[str, str]:
    town = rng.choice(TOWNS)
    action, summary = rng.choice(COUNCIL_ACTIONS)
    if rng.random() < 0.75:
        return f"{town} council {action}", summary
    who = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return (
        f"By-election called in {town} after councillor {who} steps down",
        rng.choice(
            [
                "Voters will go to the polls in six weeks.",
                "Three parties have already named candidates.",
                "The seat has changed hands twice in ten years.",
            ]
        ),
    )


def _gadget(rng: random.Random) -> tuple[str, str]:
    brand, gadget = rng.choice(BRANDS), rng.choice(GADGETS)
    choice = rng.randrange(4)
    if choice == 0:
        return (
            f"{brand} launches new {gadget} with {rng.choice(GADGET_FEATURES)}",
            f"It goes on sale next month for ${rng.randint(3, 40) * 10 - 1}.",
        )
    if choice == 1:
        return (
            f"Review: the {brand} {gadget} is {rng.choice(['good value', 'nearly great', 'hard to recommend', 'our new favourite'])}",
            f"We liked {rng.choice(GADGET_FEATURES)}, less so the {rng.choice(['app', 'price', 'charging case', 'buttons'])}.",
        )
    if choice == 2:
        return (
            f"{brand} recalls {gadget} over {rng.choice(['overheating batteries', 'a faulty charger', 'a choking hazard', 'a loose screen'])}",
            rng.choice(
                [
                    "Owners should stop using the device and contact the company for a refund.",
                    "About 40,000 units were sold.",
                    "No injuries have been reported.",
                ]
            ),
        )
    return (
        f"Best {gadget} deals this week",
        f"Prices have dropped by up to {rng.randint(10, 45)} percent at major retailers.",
    )


def _software(rng: random.Random) -> tuple[str, str]:
    app = rng.choice(SOFTWARE)
    major, minor = rng.randint(2, 19), rng.randint(0, 9)
    choice = rng.randrange(3)
    name = app.replace("the ", "")
    if choice == 0:
        return (
            f"{name[0].upper() + name[1:]} {major}.{minor} adds {rng.choice(SOFTWARE_FEATURES)}",
            f"The update also fixes {rng.randint(5, 60)} bugs reported by users.",
        )
    if choice == 1:
        return (
            f"Security update for {app} fixes {rng.randint(2, 14)} vulnerabilities",
            rng.choice(
                [
                    "Users are advised to install it as soon as possible.",
                    "One of the flaws was already being exploited.",
                    "The update installs automatically for most people.",
                ]
            ),
        )
    return (
        f"{name[0].upper() + name[1:]} to drop support for older devices next year",
        f"Version {major}.{minor} will be the last release for phones more than seven years old.",
    )


def _health(rng: random.Random) -> tuple[str, str]:
    choice = rng.randrange(4)
    if choice == 0:
        return (
            f"{rng.choice(CONDITIONS)} cases rise in {rng.choice(REGIONS)}",
            rng.choice(
                [
                    "Health officials urged people with symptoms to stay at home.",
                    "GP surgeries report more appointments than usual for the time of year.",
                    "Care homes have been asked to limit visits.",
                    "Officials said most cases were mild.",
                ]
            ),
        )
    if choice == 1:
        habit, outcome = rng.choice(HABITS)
        return (
            f"Study links {habit} to {outcome}",
            f"Researchers followed {rng.randint(5, 120)},000 adults for up to a decade.",
        )
    if choice == 2:
        return (
            f"{rng.choice(TOWNS)} hospital opens new {rng.choice(UNITS)}",
            rng.choice(
                [
                    "The unit was paid for partly by a local appeal.",
                    "It will treat patients from three neighbouring towns.",
                    "Staff moved in over the weekend.",
                ]
            ),
        )
    return (
        f"Pharmacies in {rng.choice(REGIONS)} report shortages of {rng.choice(['antibiotics', 'hay fever tablets', 'children’s paracetamol', 'insulin pens'])}",
        rng.choice(
            [
                "Suppliers expect stocks to recover within weeks.",
                "Pharmacists can offer alternatives in most cases.",
                "The health department says there is no cause for alarm.",
            ]
        ),
    )


def _finance(rng: random.Random) -> tuple[str, str]:
    choice = rng.randrange(5)
    if choice == 0:
        return (
            f"{rng.choice(INDICES)} {rng.choice(['rise', 'fall', 'drift lower', 'edge higher', 'close flat'])} as {rng.choice(MARKET_DRIVERS)}",
            f"Traders said volumes were {rng.choice(['light', 'heavy', 'average'])}.",
        )
    if choice == 1:
        rate = rng.randint(15, 62) / 10
        return (
            f"{rng.choice(COUNTRIES)} inflation {rng.choice(['slows to', 'picks up to', 'holds at', 'unexpectedly eases to'])} {rate}%",
            rng.choice(
                [
                    "Food and energy prices were the main drivers.",
                    "Rents rose for the twelfth month in a row.",
                    "Economists had expected a smaller change.",
                    "Transport costs fell for a second month.",
                ]
            ),
        )
    if choice == 2:
        return (
            f"Central bank of {rng.choice(COUNTRIES)} {rng.choice(['holds rates', 'cuts rates by a quarter point', 'raises rates by a quarter point'])}",
            rng.choice(
                [
                    "Policymakers said they would watch wage growth closely.",
                    "The decision was unanimous.",
                    "Two members voted for a different move.",
                    "The currency barely moved after the announcement.",
                ]
            ),
        )
    if choice == 3:
        commodity, why = rng.choice(COMMODITIES)
        return (
            f"{commodity} prices {rng.choice(['jump', 'slide', 'hit a one-year high', 'fall to a six-month low'])} on {why}",
            rng.choice(
                [
                    "Analysts expect volatility to continue.",
                    "Importers said they would pass on costs to shoppers.",
                    "Futures trading was unusually heavy.",
                ]
            ),
        )
    return (
        f"Ten-year bond yields {rng.choice(['climb', 'ease', 'hit a three-month high', 'fall back'])} after {rng.choice(['jobs data', 'inflation figures', 'a central bank speech', 'a weak auction'])}",
        rng.choice(
            [
                "Mortgage lenders are expected to adjust rates.",
                "The move reversed most of last week's change.",
                "Investors are waiting for next month's inflation figures.",
            ]
        ),
    )


def _science(rng: random.Random) -> tuple[str, str]:
    return _template_topic(SCIENCE)(rng)


def _weather(rng: random.Random) -> tuple[str, str]:
    return _template_topic(WEATHER)(rng)


def _entertainment(rng: random.Random) -> tuple[str, str]:
    choice = rng.randrange(4)
    if choice == 0:
        return (
            f"'{rng.choice(FILMS)}' tops the box office with ${rng.randint(8, 95)} million",
            rng.choice(
                [
                    "The film overtook last week's leader in its opening weekend.",
                    "Critics had given it mixed reviews.",
                    "It is the director's biggest opening so far.",
                    "Family audiences made up most of the crowd.",
                ]
            ),
        )
    if choice == 1:
        return (
            f"{rng.choice(ARTISTS)} announce {rng.randint(12, 40)}-date tour",
            rng.choice(
                [
                    "Tickets go on sale on Friday morning.",
                    "The tour opens in the autumn.",
                    "A new album is due in the spring.",
                ]
            ),
        )
    if choice == 2:
        return (
            f"{rng.choice(FESTIVALS)} reveals this year's line-up",
            f"More than {rng.randint(40, 200)} acts will perform over three days.",
        )
    return (f"Cast confirmed for stage adaptation of '{rng.choice(FILMS)}'", f"Previews begin in {rng.choice(MONTHS)}.")


def _tech_ai(rng: random.Random) -> tuple[str, str]:
    choice = rng.randrange(4)
    if choice == 0:
        firm = rng.choice(SMALL_FIRMS)
        return (
            f"{firm[0].upper() + firm[1:]} adds {rng.choice(AI_FEATURES)} to its app",
            rng.choice(
                [
                    "The company said customers could still speak to a person.",
                    "The feature is being tested with a small group first.",
                    "It is available in the latest version of the app.",
                ]
            ),
        )
    if choice == 1:
        return (
            f"Survey: {rng.randint(20, 75)}% of {rng.choice(WORKERS)} use chatbots at work",
            rng.choice(
                [
                    "Most said they used them for drafting and summarising.",
                    "Few said their employer had a policy.",
                    "Younger staff were the most frequent users.",
                ]
            ),
        )
    if choice == 2:
        return (
            f"{rng.choice(TOWNS)} schools issue guidance on AI and homework",
            rng.choice(
                [
                    "Pupils must say when they have used a chatbot.",
                    "Some homework will move back into the classroom.",
                    "Parents were sent a letter explaining the rules.",
                ]
            ),
        )
    return (
        f"AI art exhibition opens in {rng.choice(TOWNS)}",
        rng.choice(
            [
                "Visitors can vote on which works they think a person made.",
                "Local artists have also contributed.",
                "Entry is free until the end of the month.",
            ]
        ),
    )


def _tutorial(rng: random.Random) -> tuple[str, str]:
    title, summary = rng.choice(TUTORIALS)
    suffixes = ["", " (updated)", " in 2025", ", explained"] + ([] if ":" in title else [": a step-by-step guide"])
    return title + rng.choice(suffixes), summary


def _template_topic(pool: list[tuple[str, str]]) -> Writer:
    """A writer that fills a template of the pool; a summary may offer alternatives separated by "|"."""

    def write(rng: random.Random) -> tuple[str, str]:
        title, summaries = rng.choice(pool)
        return _fill(rng, title), _fill(rng, rng.choice(summaries.split("|")))

    return write


def _zh(rng: random.Random) -> tuple[str, str]:
    title, summary = rng.choice(ZH)
    return title.format(town=rng.choice(ZH_TOWNS)), summary


# (noise tag, source type, writer, how many): fewer items where the templates are fewer, so nothing repeats much.
