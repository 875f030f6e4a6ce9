# ruff: noqa: E501
"""Writes general_news.jsonl: ordinary technology and world news for counting the flagger's noise flags.

Issue 16 limits noise to one flag per 1,000 items of general news. Real feeds are mostly sport, weather,
local politics, markets, gadgets, software releases, health, science and entertainment, and some of their
technology stories mention AI, GPUs or chips without being about the AI and chip competition. This script
writes such items from hand-written templates and vocabularies (the places, teams and small firms are
invented, so no item asserts anything about a real person), with a fixed seed so the file is reproducible:

    python sources/training/make_general_news.py

A handful of genuinely relevant items, written by hand, are mixed in and labelled as such, as a real feed
would carry them. The file is for measuring only: never train on it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "general_news.jsonl"
SEED = 20261206

Writer = Callable[[random.Random], tuple[str, str]]  # writes one (title, summary)

TOWNS = [
    "Ashford",
    "Bramley",
    "Carrow",
    "Dunmore",
    "Eastleigh",
    "Fenwick",
    "Glenhaven",
    "Harwick",
    "Ivybridge",
    "Kestrel Bay",
    "Larchmont",
    "Millbrook",
    "Northgate",
    "Oakridge",
    "Pembury",
    "Queensferry",
    "Redcliff",
    "Stonebridge",
    "Thornbury",
    "Upton Vale",
    "Westmere",
    "Yarrow",
    "Brookfield",
    "Cedar Falls",
    "Fairhaven",
    "Maple Grove",
    "Pine Hollow",
    "Silverton",
    "Lakeside",
    "Riverton",
]
REGIONS = [
    "the north-west",
    "the coastal counties",
    "the southern valleys",
    "the midlands",
    "the eastern plains",
    "the highlands",
    "the river delta",
    "the western uplands",
    "the capital region",
    "the islands",
]
TEAMS = [
    "Rovers",
    "United",
    "Athletic",
    "Wanderers",
    "Falcons",
    "Harriers",
    "Comets",
    "Pioneers",
    "Rangers",
    "Mariners",
    "Tigers",
    "Owls",
]
SPORTS_EVENTS = [
    "regional cup",
    "league final",
    "county championship",
    "national trophy",
    "play-off semi-final",
    "derby",
]
ATHLETICS = [
    "400 metres",
    "long jump",
    "high jump",
    "1,500 metres",
    "shot put",
    "100 metres hurdles",
    "triple jump",
    "5,000 metres",
]
INJURIES = ["hamstring", "ankle", "knee", "shoulder", "back", "wrist"]
FIRST = [
    "Maya",
    "Tom",
    "Priya",
    "Lucas",
    "Elena",
    "Sam",
    "Aisha",
    "Jonas",
    "Chloe",
    "Mateo",
    "Hannah",
    "Omar",
    "Freya",
    "Leo",
    "Nina",
    "Rafael",
]
LAST = [
    "Okafor",
    "Brennan",
    "Lindqvist",
    "Moreau",
    "Castillo",
    "Hughes",
    "Nakamura",
    "Petrov",
    "Silva",
    "Walsh",
    "Kowalski",
    "Adeyemi",
    "Fischer",
    "Rossi",
]
COUNCIL_ACTIONS = [
    ("approves a new pedestrian crossing outside the primary school", "Work will start during the summer holidays."),
    ("votes to extend library opening hours", "The branches will open on Sunday afternoons from next month."),
    ("backs plan for 300 affordable homes", "The site is a disused depot near the railway station."),
    ("delays decision on parking charges", "Traders had warned that fees would drive shoppers away."),
    ("agrees to fund repairs to the town swimming pool", "The pool has been closed since a roof leak in the winter."),
    ("rejects proposal for late-night bars in the old town", "Residents complained about noise at a public hearing."),
    ("approves budget with rise in council tax", "Councillors said social care costs had forced the increase."),
    ("launches consultation on low-traffic streets", "People have six weeks to comment on the plans."),
    ("names new chief executive", "She joins from a neighbouring authority."),
    ("votes to plant 5,000 trees along main roads", "The first saplings go in this autumn."),
]
WEATHER = [
    (
        "Storm {storm} brings gales and heavy rain to {region}",
        "Forecasters warned of fallen trees and travel disruption through the night.",
    ),
    (
        "Heat warning issued for {town} as temperatures near {hot}C",
        "Officials urged people to check on elderly neighbours.",
    ),
    ("Frost warning for fruit growers in {region}", "Growers were preparing fans and heaters to protect blossom."),
    (
        "Flooding closes roads around {town} after river bursts its banks",
        "Emergency crews helped residents leave several streets.",
    ),
    ("{town} records its wettest {month} since records began", "More than twice the usual rainfall fell in the month."),
    ("Hosepipe ban announced for {region}", "The water company said reservoir levels were unusually low."),
    ("Snow closes schools across {region}", "Gritters worked through the night on main routes."),
    ("Fog causes delays at {town} airport", "Several morning flights were diverted."),
    ("Thunderstorms bring hail to {town}", "Residents shared pictures of stones the size of marbles."),
]
STORMS = [
    "Agnes",
    "Bert",
    "Ciara",
    "Darragh",
    "Eunice",
    "Floris",
    "Gerrit",
    "Henk",
    "Isha",
    "Jocelyn",
    "Kathleen",
    "Lilian",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
BRANDS = [
    "Novaline",
    "Brightpeak",
    "Kestro",
    "Lumen",
    "Orbix",
    "Pellow",
    "Quanta Home",
    "Sundial",
    "Tessel",
    "Vireo",
    "Zentra",
]
GADGETS = [
    "wireless earbuds",
    "smartwatch",
    "e-reader",
    "robot vacuum",
    "smart speaker",
    "fitness tracker",
    "tablet",
    "portable projector",
    "video doorbell",
    "electric toothbrush",
    "dash cam",
    "action camera",
    "mechanical keyboard",
]
GADGET_FEATURES = [
    "longer battery life",
    "a brighter screen",
    "better noise cancelling",
    "a lower price",
    "fast charging",
    "a lighter design",
    "improved water resistance",
    "a new companion app",
]
SOFTWARE = [
    "the Orbit photo editor",
    "the Larkspur web browser",
    "the Tidepool note-taking app",
    "Quillmail",
    "the Ferncloud backup tool",
    "the Nimbus password manager",
    "the Harbor chat app",
    "the Copperline office suite",
    "the Waypoint maps app",
    "the Driftwood podcast player",
]
SOFTWARE_FEATURES = [
    "a dark mode",
    "offline sync",
    "tabs grouping",
    "end-to-end encrypted backups",
    "a redesigned settings page",
    "faster start-up",
    "shared folders",
    "keyboard shortcuts for everything",
    "support for older phones",
    "a calendar view",
]
CONDITIONS = ["Flu", "Norovirus", "Measles", "Whooping cough", "Chickenpox", "Hay fever", "Lyme disease"]
HABITS = [
    ("walking 7,000 steps a day", "a lower risk of early death"),
    ("eating more fibre", "better heart health"),
    ("regular sauna use", "lower blood pressure"),
    ("short naps", "better memory in older adults"),
    ("gardening", "lower stress levels"),
    ("late-night screen use", "poorer sleep in teenagers"),
    ("drinking sugary drinks", "a higher risk of type 2 diabetes"),
    ("learning a second language", "slower cognitive decline"),
]
UNITS = [
    "maternity unit",
    "children's ward",
    "cancer day centre",
    "urgent treatment centre",
    "eye clinic",
    "stroke unit",
]
INDICES = [
    "Shares",
    "European stocks",
    "Asian markets",
    "The FTSE 100",
    "Wall Street",
    "The Nikkei",
    "Emerging-market currencies",
]
MARKET_DRIVERS = [
    "investors weigh interest-rate outlook",
    "oil prices slide",
    "retail sales beat forecasts",
    "jobs data disappoint",
    "bank earnings impress",
    "inflation data cool",
    "the dollar strengthens",
    "bond yields climb",
]
COUNTRIES = [
    "Canada",
    "Australia",
    "Sweden",
    "Norway",
    "Poland",
    "Chile",
    "New Zealand",
    "South Africa",
    "Mexico",
    "Brazil",
    "Turkey",
    "Indonesia",
]
COMMODITIES = [
    ("Coffee", "poor harvests in Brazil"),
    ("Cocoa", "dry weather in West Africa"),
    ("Wheat", "a bumper crop forecast"),
    ("Copper", "weaker construction demand"),
    ("Orange juice", "hurricane damage in Florida"),
    ("Natural gas", "a mild winter forecast"),
    ("Sugar", "strong monsoon rains"),
    ("Gold", "demand for safe-haven assets"),
]
SCIENCE = [
    (
        "Astronomers spot a {adj} galaxy {n} billion light years away",
        "The faint object was found in deep images from a space telescope.",
    ),
    (
        "Fossil of a {creature} found by walkers near {town}",
        "Palaeontologists said the specimen was unusually complete.",
    ),
    ("Researchers find {animal} can {skill}", "The team filmed the behaviour in the wild over three years."),
    ("Comet visible to the naked eye this week", "The best views will be just after sunset, looking west."),
    ("Meteor shower peaks this weekend", "Up to 100 shooting stars an hour could be seen from dark sites."),
    (
        "Archaeologists uncover Roman {find} under car park in {town}",
        "The site will be recorded before building work resumes.",
    ),
]
CREATURES = [
    "marine reptile",
    "giant dragonfly",
    "small dinosaur",
    "ancient crocodile",
    "early mammal",
    "prehistoric shark",
]
ANIMALS = [
    ("crows", "recognise individual human faces"),
    ("bumblebees", "learn to roll balls for fun"),
    ("octopuses", "change colour in their sleep"),
    ("dolphins", "use names for each other"),
    ("parrots", "video-call each other"),
    ("goats", "tell happy from angry voices"),
]
FINDS = ["mosaic floor", "bath house", "coin hoard", "villa", "road", "burial ground"]
FILMS = [
    "The Long Harbour",
    "Night Orchard",
    "Paper Lanterns",
    "Edge of Summer",
    "The Quiet Mile",
    "Copper Sky",
    "Salt and Stone",
    "Northern Lights Motel",
]
ARTISTS = [
    "The Velvet Hours",
    "Mira Lane",
    "Coastal Static",
    "Juniper & Vale",
    "DJ Saltmarsh",
    "The Brass Foxes",
    "Lena Orr",
]
FESTIVALS = [
    "Riverside Folk Festival",
    "Harbour Lights Festival",
    "Green Fields Weekend",
    "Old Town Jazz Week",
    "Valley Book Festival",
]
FIRM_NAMES = [
    "Harwick Building Society",
    "Stonebridge Motors",
    "Pembury Dental Group",
    "Northgate Lettings",
    "Cedar Falls Credit Union",
    "Yarrow Home Insurance",
    "Lakeside Leisure Clubs",
    "Riverton Parcels",
    "Fairhaven Hotels",
    "Oakridge Pharmacy",
    "Millbrook Energy",
    "Silverton Telecom",
]
SMALL_FIRMS = [
    "a regional bank",
    "a supermarket chain",
    "a budget airline",
    "an estate agency",
    "a car insurer",
    "a furniture retailer",
    "a parcel company",
    "a mobile network",
    "a gym chain",
    "a food delivery app",
    "a hotel group",
    "a recruitment site",
]
AI_FEATURES = [
    "an AI chatbot for customer questions",
    "AI-written product descriptions",
    "an AI tool that summarises statements",
    "AI photo search",
    "an AI assistant for booking changes",
    "AI-generated playlists",
    "an AI tool that drafts replies",
]
WORKERS = [
    "nurses",
    "teachers",
    "lawyers",
    "accountants",
    "software developers",
    "journalists",
    "civil servants",
    "students",
]
TUTORIALS = [
    "How to set up a home media server on an old laptop",
    "A beginner's guide to Python virtual environments",
    "How to speed up a slow Wi-Fi network",
    "Five spreadsheet formulas everyone should know",
    "How to back up your phone photos automatically",
    "Getting started with a Raspberry Pi weather station",
    "How to write better commit messages",
    "Running a small language model on your own computer: a gentle introduction",
    "What graphics card do you need for video editing?",
    "How to build a gaming PC on a budget",
    "Using a chatbot to plan meals: what worked and what did not",
    "How to check whether your laptop can run local AI models",
    "Writing your first GPU shader: a friendly introduction",
    "How to use a chatbot API from a spreadsheet",
    "Fine-tuning a small language model on your own notes",
    "How to pick a laptop for machine learning coursework",
    "Setting up a home server with a spare graphics card",
]
CHIP_FALSE_FRIENDS = [
    ("Chip shop in {town} named best in the county", "Judges praised the crisp batter and friendly service."),
    (
        "{town} chippy celebrates 60 years on the seafront",
        "The owners plan free portions for regulars on the anniversary.",
    ),
    ("Crisp maker launches {flavour} potato chips", "The limited edition will be on shelves for three months."),
    ("Council replaces bark chips in {town} playgrounds", "The new surface is softer and lasts longer."),
    ("Casino in {town} introduces new chips to stop counterfeits", "Each chip carries a tiny tag that staff can scan."),
    (
        "Vets in {town} offer free pet microchipping this weekend",
        "Owners must register their details after the appointment.",
    ),
    ("Local model, 19, signs with agency after {town} fashion show", "She was spotted at a charity catwalk event."),
    (
        "Model railway club in {town} opens its doors to visitors",
        "Members have built a replica of the old branch line.",
    ),
    (
        "Government extends export controls on {crop} to keep prices down",
        "Traders said the curbs would weigh on farm incomes.",
    ),
    ("Blue-chip shares edge higher in quiet trading", "Volumes were thin ahead of the holiday."),
    ("Customs seize smuggled {contraband} at {town} port", "Officers found the goods hidden in a lorry trailer."),
]
FLAVOURS = [
    "sea salt and cider vinegar",
    "smoky paprika",
    "cheese and onion",
    "sweet chilli",
    "black pepper",
    "truffle",
]
CROPS = ["rice", "wheat", "onions", "sugar", "palm oil", "beef", "fertiliser"]
CONTRABAND = ["cigarettes", "counterfeit handbags", "tobacco", "exotic birds", "alcohol", "cannabis"]
GAMING = [
    (
        "Review: the {brand} {size}-inch gaming laptop",
        "The graphics card handles most games at high settings, but the fans are loud.",
    ),
    ("Graphics card prices fall ahead of the holidays", "Midrange cards are now cheaper than at launch."),
    ("Best budget gaming monitors this year", "A 144 Hz screen no longer costs a fortune."),
    ("Patch improves frame rates in popular racing game", "Players with older graphics cards benefit most."),
    ("Handheld console gets a price cut", "The maker says sales will rise before the holidays."),
]
PRIVACY = [
    (
        "Regulator fines {named} over marketing emails sent without consent",
        "The authority said thousands of complaints had been received.",
    ),
    ("{named} fined for losing customer records", "A laptop with unencrypted data was stolen from a car."),
    ("Data watchdog reprimands {named} over CCTV at staff desks", "The monitoring was found to be excessive."),
    (
        "{named} ordered to pay £{k}k after sending customer data to the wrong address",
        "The regulator said staff had not been trained.",
    ),
    (
        "Privacy regulator fines {named} over unlawful call recordings",
        "Callers were not told their calls were recorded.",
    ),
]
SAFETY = [
    (
        "{uni} study finds chatbots give inconsistent answers to {domain} questions",
        "Researchers asked the same questions in different words.",
    ),
    (
        "{uni} researchers test whether AI assistants flatter their users",
        "Models often agreed with users who were wrong.",
    ),
    (
        "{uni} workshop discusses how to test AI systems before release",
        "Speakers called for shared benchmarks and independent audits.",
    ),
    ("{uni} survey: most people want labels on AI-generated images", "Respondents in eight countries were asked."),
    ("{uni} researchers warn AI-written reviews are flooding shopping sites", "Detecting them remains difficult."),
    (
        "{uni} team proposes test for chatbot honesty about {domain}",
        "The benchmark checks whether models admit what they do not know.",
    ),
]
UNIS = [
    "Fenwick University",
    "Northgate Institute of Technology",
    "Larchmont College",
    "Redcliff University",
    "Stonebridge University",
    "Westmere Polytechnic",
    "University of Glenhaven",
    "Harwick Business School",
]
DOMAINS = ["medical", "legal", "tax", "nutrition", "history", "travel"]
RALLIES = [
    (
        "Thousands rally in {town} against hospital cuts",
        "Speakers called on the government to keep the emergency department open.",
    ),
    ("Campaign rally in {town} draws large crowd", "The candidate promised lower energy bills."),
    ("Teachers march in {town} over pay", "The union said further strikes were possible."),
    ("Farmers rally outside parliament over subsidy changes", "Tractors blocked nearby streets for several hours."),
]

ZH_TOWNS = ["临江市", "青山县", "南湖区", "东港镇", "北川市", "西岭县", "白沙区", "石桥镇"]
ZH = [
    ("{town}举办马拉松赛 万余名选手参赛", "赛事吸引了来自全国各地的跑步爱好者。"),
    ("{town}迎来强降雨 部分路段积水", "气象部门发布暴雨黄色预警，提醒市民注意出行安全。"),
    ("{town}新建公园正式开放", "公园内设有儿童游乐区和健身步道。"),
    ("{town}开展夏季食品安全检查", "检查重点是餐饮店和校园周边小卖部。"),
    ("{town}图书馆延长开放时间", "周末开放时间延长至晚上九点。"),
    ("{town}举办美食节 特色小吃受欢迎", "活动吸引了大量市民和游客。"),
    ("{town}发布高温预警", "最高气温预计将超过38摄氏度。"),
    ("{town}地铁新线路开通试运营", "新线路全长约二十公里，设站十四座。"),
    ("{town}中小学暑假安全提示发布", "教育部门提醒家长注意防溺水。"),
    ("{town}新能源汽车展开幕", "数十个品牌携新车参展。"),
    ("{town}推出老年人智能手机培训课程", "社区志愿者手把手教老人使用手机。"),
    ("{town}一炸薯条店开业十周年", "店主表示将推出优惠活动回馈顾客。"),
    ("{town}举办模特大赛", "数十名选手参加了决赛。"),
    ("{town}一家网店因违规收集个人信息被罚", "监管部门责令其限期整改。"),
    ("{town}举办人工智能科普展", "展览面向中小学生，介绍人工智能的基本原理。"),
]


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
            "The club said a replacement would be named before the next fixture.",
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
        "Voters will go to the polls in six weeks.",
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
            "Owners should stop using the device and contact the company for a refund.",
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
            "Users are advised to install it as soon as possible.",
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
            "Health officials urged people with symptoms to stay at home.",
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
            "The unit was paid for partly by a local appeal.",
        )
    return (
        f"Pharmacies in {rng.choice(REGIONS)} report shortages of {rng.choice(['antibiotics', 'hay fever tablets', 'children’s paracetamol', 'insulin pens'])}",
        "Suppliers expect stocks to recover within weeks.",
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
            "Food and energy prices were the main drivers.",
        )
    if choice == 2:
        return (
            f"Central bank of {rng.choice(COUNTRIES)} {rng.choice(['holds rates', 'cuts rates by a quarter point', 'raises rates by a quarter point'])}",
            "Policymakers said they would watch wage growth closely.",
        )
    if choice == 3:
        commodity, why = rng.choice(COMMODITIES)
        return (
            f"{commodity} prices {rng.choice(['jump', 'slide', 'hit a one-year high', 'fall to a six-month low'])} on {why}",
            "Analysts expect volatility to continue.",
        )
    return (
        f"Ten-year bond yields {rng.choice(['climb', 'ease', 'hit a three-month high', 'fall back'])} after {rng.choice(['jobs data', 'inflation figures', 'a central bank speech', 'a weak auction'])}",
        "Mortgage lenders are expected to adjust rates.",
    )


def _science(rng: random.Random) -> tuple[str, str]:
    title, summary = rng.choice(SCIENCE)
    return _fill(rng, title), _fill(rng, summary)


def _weather(rng: random.Random) -> tuple[str, str]:
    title, summary = rng.choice(WEATHER)
    return _fill(rng, title), _fill(rng, summary)


def _entertainment(rng: random.Random) -> tuple[str, str]:
    choice = rng.randrange(4)
    if choice == 0:
        return (
            f"'{rng.choice(FILMS)}' tops the box office with ${rng.randint(8, 95)} million",
            "The film overtook last week's leader in its opening weekend.",
        )
    if choice == 1:
        return (
            f"{rng.choice(ARTISTS)} announce {rng.randint(12, 40)}-date tour",
            "Tickets go on sale on Friday morning.",
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
            "The company said customers could still speak to a person.",
        )
    if choice == 1:
        return (
            f"Survey: {rng.randint(20, 75)}% of {rng.choice(WORKERS)} use chatbots at work",
            "Most said they used them for drafting and summarising.",
        )
    if choice == 2:
        return (
            f"{rng.choice(TOWNS)} schools issue guidance on AI and homework",
            "Pupils must say when they have used a chatbot.",
        )
    return (
        f"AI art exhibition opens in {rng.choice(TOWNS)}",
        "Visitors can vote on which works they think a person made.",
    )


def _tutorial(rng: random.Random) -> tuple[str, str]:
    title = rng.choice(TUTORIALS)
    suffixes = ["", " (updated)", " in 2025", ", explained"] + ([] if ":" in title else [": a step-by-step guide"])
    return (
        title + rng.choice(suffixes),
        rng.choice(
            [
                "No prior experience needed.",
                "We cover the common mistakes too.",
                "Screenshots included for every step.",
                "Everything here runs on hardware you probably own.",
            ]
        ),
    )


def _template_topic(pool: list[tuple[str, str]]) -> Writer:
    def write(rng: random.Random) -> tuple[str, str]:
        title, summary = rng.choice(pool)
        return _fill(rng, title), _fill(rng, summary)

    return write


def _zh(rng: random.Random) -> tuple[str, str]:
    title, summary = rng.choice(ZH)
    return title.format(town=rng.choice(ZH_TOWNS)), summary


# (noise tag, source type, writer, how many): fewer items where the templates are fewer, so nothing repeats much.
TOPICS = [
    ("sports", "world", _sport, 110),
    ("local_politics", "world", _local, 80),
    ("consumer_gadget", "trade", _gadget, 100),
    ("software_release", "developer", _software, 80),
    ("health", "world", _health, 80),
    ("finance", "wire", _finance, 100),
    ("science", "world", _science, 60),
    ("weather", "world", _weather, 70),
    ("entertainment", "world", _entertainment, 60),
    ("tech_other", "trade", _tech_ai, 70),
    ("dev_tutorial", "developer", _tutorial, 50),
    ("false_friend", "world", _template_topic(CHIP_FALSE_FRIENDS), 80),
    ("gaming_gpu", "trade", _template_topic(GAMING), 45),
    ("privacy_fine", "wire", _template_topic(PRIVACY), 40),
    ("ai_safety_research", "trade", _template_topic(SAFETY), 40),
    ("political_rally", "world", _template_topic(RALLIES), 45),
    ("world", "cn_media", _zh, 90),
]

# Written by hand: genuine developments a general feed would also carry (labelled honestly).
RELEVANT = [
    (
        "investment",
        "wire",
        "2025-04-01",
        "Japan pledges further ¥802.5 billion for chipmaker Rapidus",
        "The trade ministry said the money would support the start of 2nm mass production later in the decade.",
    ),
    (
        "investment",
        "wire",
        "2024-08-20",
        "EU approves €5 billion German subsidy for TSMC's Dresden plant",
        "The Commission said the aid would strengthen Europe's supply of chips for cars and industry.",
    ),
    (
        "market_move",
        "wire",
        "2025-04-24",
        "SK Hynix overtakes Samsung in DRAM revenue for the first time",
        "Demand for high-bandwidth memory used in AI accelerators lifted the smaller rival, a research firm said.",
    ),
    (
        "model_launch",
        "developer",
        "2025-02-26",
        "Alibaba open-sources its Wan 2.1 video generation models",
        "The models can be downloaded and run on consumer graphics cards, the company said.",
    ),
    (
        "market_move",
        "wire",
        "2025-11-19",
        "Nvidia reports $57 billion in quarterly revenue and forecasts more",
        "Data centre sales for AI accelerators made up the bulk of the total.",
    ),
    (
        "policy_statement",
        "government",
        "2025-04-15",
        "South Korea raises chip industry support package to 33 trillion won",
        "The government cited US tariffs and competition from Chinese chipmakers.",
    ),
]


def _category(kind: str) -> str:
    return {
        "investment": "corporate",
        "market_move": "corporate",
        "model_launch": "technology",
        "policy_statement": "government",
    }[kind]


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    start = date(2023, 1, 1)
    span = (date(2026, 11, 30) - start).days
    seen: set[str] = set()
    rows: list[dict[str, object]] = []
    for noise, source, write, wanted in TOPICS:
        made = attempts = 0
        while made < wanted and attempts < wanted * 50:
            attempts += 1
            title, summary = write(rng)
            title = title[0].upper() + title[1:]
            if title.lower() in seen:
                continue
            seen.add(title.lower())
            made += 1
            rows.append(
                {
                    "source": source,
                    "lang": "zh" if source == "cn_media" else "en",
                    "title": title,
                    "summary": summary,
                    "published": (start + timedelta(days=rng.randrange(span))).isoformat(),
                    "relevant": False,
                    "category": None,
                    "kind": None,
                    "noise": noise,
                }
            )
    rng.shuffle(rows)
    for index, (kind, source, published, title, summary) in enumerate(RELEVANT):
        rows.insert(
            (index + 1) * len(rows) // (len(RELEVANT) + 1),
            {
                "source": source,
                "lang": "en",
                "title": title,
                "summary": summary,
                "published": published,
                "relevant": True,
                "category": _category(kind),
                "kind": kind,
                "noise": None,
            },
        )
    return [{"id": f"gen-{n:04d}", **row} for n, row in enumerate(rows, 1)]


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} items to {OUT}")


if __name__ == "__main__":
    main()
