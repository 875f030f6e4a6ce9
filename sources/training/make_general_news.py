# ruff: noqa: E501
"""Writes general_news.jsonl: ordinary technology and world news for counting the flagger's noise flags.

The flagger may raise at most one noise flag per 1,000 items of general news. Real feeds are mostly sport, weather,
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
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "general_news.jsonl"
SEED = 20261206
MAX_SAME = 6  # items written from one template (one summary) at most: a feed repeats itself less than a generator

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
        "Forecasters warned of fallen trees and travel disruption through the night.|Ferries were cancelled and several roads were closed by fallen trees.|Thousands of homes lost power overnight.",
    ),
    (
        "Heat warning issued for {town} as temperatures near {hot}C",
        "Officials urged people to check on elderly neighbours.|Cooling centres will open in libraries and community halls.|Outdoor events at the weekend may be cancelled.",
    ),
    (
        "Frost warning for fruit growers in {region}",
        "Growers were preparing fans and heaters to protect blossom.|Temperatures could fall to minus four overnight.|Strawberry farmers covered their crops with fleece.",
    ),
    (
        "Flooding closes roads around {town} after river bursts its banks",
        "Emergency crews helped residents leave several streets.|Sandbags were handed out at the fire station.|The river peaked at its highest level in a decade.",
    ),
    (
        "{town} records its wettest {month} since records began",
        "More than twice the usual rainfall fell in the month.|Farmers said fields were too wet to plant.|The local weather station has kept records since 1890.",
    ),
    (
        "Hosepipe ban announced for {region}",
        "The water company said reservoir levels were unusually low.|Customers face fines if they water gardens with a hose.|It is the first ban in the area for eight years.",
    ),
    (
        "Snow closes schools across {region}",
        "Gritters worked through the night on main routes.|Bus services were suspended on hill routes.|Parents were told to check school websites each morning.",
    ),
    (
        "Fog causes delays at {town} airport",
        "Several morning flights were diverted.|Passengers were advised to check with their airline.|Visibility fell below 100 metres at times.",
    ),
    (
        "Thunderstorms bring hail to {town}",
        "Residents shared pictures of stones the size of marbles.|Lightning struck a church spire, damaging the roof.|Drains overflowed in the town centre.",
    ),
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
        "The faint object was found in deep images from a space telescope.|Its light left it when the universe was young.|The team plans follow-up observations next year.",
    ),
    (
        "Fossil of a {creature} found by walkers near {town}",
        "Palaeontologists said the specimen was unusually complete.|It will go on display at the county museum.|The bones were spotted after a winter storm eroded the cliffs.",
    ),
    (
        "Researchers find {animal} can {skill}",
        "The team filmed the behaviour in the wild over three years.|The findings were published in a behavioural ecology journal.|The researchers say the animals are smarter than assumed.",
    ),
    (
        "Comet visible to the naked eye this week",
        "The best views will be just after sunset, looking west.|Binoculars will help in towns with bright lights.|It will not return for thousands of years.",
    ),
    (
        "Meteor shower peaks this weekend",
        "Up to 100 shooting stars an hour could be seen from dark sites.|Clear skies are forecast for most of the country.|Astronomers recommend lying back and letting your eyes adjust.",
    ),
    (
        "Archaeologists uncover Roman {find} under car park in {town}",
        "The site will be recorded before building work resumes.|Volunteers will help excavate over the summer.|Finds will go to the local museum.",
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
    ("How to set up a home media server on an old laptop", "A spare machine and free software are all you need."),
    (
        "A beginner's guide to Python virtual environments",
        "Keep each project's packages apart and avoid version clashes.",
    ),
    ("How to speed up a slow Wi-Fi network", "Router placement and channel choice matter more than you think."),
    ("Five spreadsheet formulas everyone should know", "Lookups, conditional sums and a few text tricks."),
    ("How to back up your phone photos automatically", "We compare the built-in options with a home server."),
    ("Getting started with a Raspberry Pi weather station", "Sensors, wiring and a simple dashboard."),
    ("How to write better commit messages", "Say what changed and why, in the imperative mood."),
    (
        "Running a small language model on your own computer: a gentle introduction",
        "No cloud account needed; a recent laptop will do for the smallest models.",
    ),
    ("What graphics card do you need for video editing?", "Hardware encoders matter more than raw speed."),
    ("How to build a gaming PC on a budget", "Where to save and where not to."),
    ("Using a chatbot to plan meals: what worked and what did not", "It was good at lists and bad at quantities."),
    ("How to check whether your laptop can run local AI models", "Memory is usually the limit, not the processor."),
    ("Writing your first GPU shader: a friendly introduction", "We draw a gradient, then make it move."),
    ("How to use a chatbot API from a spreadsheet", "A short script sends each row and writes back the reply."),
    ("Fine-tuning a small language model on your own notes", "A weekend project with a consumer graphics card."),
    ("How to pick a laptop for machine learning coursework", "Most courses need less hardware than students expect."),
    ("Setting up a home server with a spare graphics card", "Drivers, cooling and power draw, step by step."),
    ("Automating your invoices with a few lines of Python", "Templates, PDFs and a scheduled job."),
    ("A gentle introduction to prompt writing for office workers", "Be specific, give examples and check the answer."),
]
CHIP_FALSE_FRIENDS = [
    (
        "Chip shop in {town} named best in the county",
        "Judges praised the crisp batter and friendly service.|The family-run shop has been open since 1968.|Queues form outside every Friday evening.",
    ),
    (
        "{town} chippy celebrates 60 years on the seafront",
        "The owners plan free portions for regulars on the anniversary.",
    ),
    (
        "Crisp maker launches {flavour} potato chips",
        "The limited edition will be on shelves for three months.|The flavour was chosen by a public vote.|The company also plans a reduced-salt range.",
    ),
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
        "Traders said the curbs would weigh on farm incomes.|The measure will be reviewed after the next harvest.|Neighbouring countries said they would increase imports.",
    ),
    (
        "Blue-chip shares edge higher in quiet trading",
        "Volumes were thin ahead of the holiday.|Banks and utilities led the gains.|Investors awaited central bank minutes.",
    ),
    (
        "Customs seize smuggled {contraband} at {town} port",
        "Officers found the goods hidden in a lorry trailer.|Two men were arrested and bailed.|The haul was found during a routine check.",
    ),
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
        "The graphics card handles most games at high settings, but the fans are loud.|The keyboard is excellent; the battery lasts barely three hours.|Good value if you can live with the weight.",
    ),
    (
        "Graphics card prices fall ahead of the holidays",
        "Midrange cards are now cheaper than at launch.|Retailers are clearing stock before new models arrive.|Used prices have fallen even further.",
    ),
    (
        "Best budget gaming monitors this year",
        "A 144 Hz screen no longer costs a fortune.|Our picks start at under $200.|We tested colour, response time and stands.",
    ),
    (
        "Patch improves frame rates in popular racing game",
        "Players with older graphics cards benefit most.|The update also fixes crashes on some laptops.|Loading times are shorter too.",
    ),
    (
        "Handheld console gets a price cut",
        "The maker says sales will rise before the holidays.|The cheaper model drops to $299.|Game bundles are also discounted.",
    ),
    ("{brand} gaming handheld review: great screen, short battery", "It runs most recent games at medium settings."),
    ("How to clean the dust out of your graphics card", "Compressed air and a soft brush, with the power off."),
    ("Best graphics cards for {size}-inch ultrawide monitors", "You need more power than you might expect."),
    ("{brand} launches a compact gaming desktop", "It fits a full-size graphics card in a shoebox-sized case."),
]
PRIVACY = [
    (
        "Regulator fines {named} over marketing emails sent without consent",
        "The authority said thousands of complaints had been received.|The fine is one of the largest the regulator has issued.|The company said it had changed its procedures.",
    ),
    (
        "{named} fined for losing customer records",
        "A laptop with unencrypted data was stolen from a car.|Records were left in a skip outside a former office.|A misconfigured server exposed names and addresses.",
    ),
    (
        "Data watchdog reprimands {named} over CCTV at staff desks",
        "The monitoring was found to be excessive.|Staff were not told the cameras recorded sound.|The company has been told to remove the cameras.",
    ),
    (
        "{named} ordered to pay £{k}k after sending customer data to the wrong address",
        "The regulator said staff had not been trained.|Letters containing medical details went to neighbours.|The firm reported the error itself.",
    ),
    (
        "Privacy regulator fines {named} over unlawful call recordings",
        "Callers were not told their calls were recorded.|Recordings were kept for years without a reason.|The company has deleted the files.",
    ),
]
SAFETY = [
    (
        "{uni} study finds chatbots give inconsistent answers to {domain} questions",
        "Researchers asked the same questions in different words.|Answers changed in about a third of cases.|The authors urge caution before relying on chatbots.",
    ),
    (
        "{uni} researchers test whether AI assistants flatter their users",
        "Models often agreed with users who were wrong.|The effect grew when users claimed expertise.|The team suggests ways to reduce the problem.",
    ),
    (
        "{uni} workshop discusses how to test AI systems before release",
        "Speakers called for shared benchmarks and independent audits.|Participants debated who should pay for testing.|A report will follow in the spring.",
    ),
    (
        "{uni} survey: most people want labels on AI-generated images",
        "Respondents in eight countries were asked.|Older people were most in favour.|Most said they could not tell real photos from fakes.",
    ),
    (
        "{uni} researchers warn AI-written reviews are flooding shopping sites",
        "Detecting them remains difficult.|Some products had hundreds of near-identical reviews.|Shoppers are advised to read the negative reviews first.",
    ),
    (
        "{uni} team proposes test for chatbot honesty about {domain}",
        "The benchmark checks whether models admit what they do not know.|The tests are published for others to use.|Smaller models did better than expected.",
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
        "Speakers called on the government to keep the emergency department open.|Organisers said more than 3,000 people attended.|The health board says no decision has been made.",
    ),
    (
        "Campaign rally in {town} draws large crowd",
        "The candidate promised lower energy bills.|Supporters queued for hours to get in.|Protesters gathered outside the venue.",
    ),
    (
        "Teachers march in {town} over pay",
        "The union said further strikes were possible.|Parents joined the march in support.|The education authority said talks would continue.",
    ),
    ("Farmers rally outside parliament over subsidy changes", "Tractors blocked nearby streets for several hours."),
    ("Opposition leader addresses rally in {town} square", "She called for an early general election."),
    ("Residents march through {town} to save their post office", "The petition has more than 4,000 signatures."),
    ("Rival rallies in {town} end peacefully", "Police kept the two groups on opposite sides of the park."),
    (
        "Climate campaigners rally in {town} ahead of council vote",
        "They want the council to drop a road-widening scheme.",
    ),
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
    same: Counter[tuple[str, str]] = Counter()
    rows: list[dict[str, object]] = []
    for noise, source, write, wanted in TOPICS:
        made = attempts = 0
        while made < wanted and attempts < wanted * 50:
            attempts += 1
            title, summary = write(rng)
            title = title[0].upper() + title[1:]
            if title.lower() in seen or same[(noise, summary)] >= MAX_SAME:
                continue
            seen.add(title.lower())
            same[(noise, summary)] += 1
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
