"""Writes noise_tuning.jsonl: ordinary news, none of it relevant, for choosing how strict the flagger's threshold is.

The threshold rule (sources.flagging.training, `FLAGGER_RELEVANT_SHARE`) was chosen on this set and on the
training side's data (seed.jsonl cross-validated, shifted.jsonl's train part), never on the sets measured on.
general_news.jsonl had been looked at once already, so this set was written afresh: its own templates and
vocabulary, written for it (nothing taken from make_general_news.py or its vocabulary), with hard negatives of
every kind of noise the rules raised (developer tutorials naming LLMs and GPUs, AI-safety write-ups, privacy
fines, political rallies, gaming GPUs, gadgets from watched companies, false friends) among everyday news.
Firms, towns, clubs and people are invented where a real one would assert something. Fixed seed, so

    .venv/bin/python -m sources.training.make_noise_tuning

rewrites the same file. It is for tuning only: never trained on (see README.md).
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "noise_tuning.jsonl"
SEED = 1616
PER_TEMPLATE = 4  # items written from one template at most

TOWNS = [
    "Oakhaven",
    "Millbrook",
    "Carrowmore",
    "Westfield Cross",
    "Brackley Vale",
    "Port Ellery",
    "Denholm",
    "Ashcombe",
    "Lindqvist Bay",
    "Santa Orla",
    "Kettering Hollow",
    "Norrvik",
]
CLUBS = [
    "Oakhaven Rovers",
    "Millbrook Athletic",
    "Port Ellery Harriers",
    "Denholm City",
    "Ashcombe Wanderers",
    "Carrowmore United",
    "Norrvik Falcons",
    "Santa Orla Marlins",
]
PEOPLE = [
    "Maria Tolland",
    "Devin Okafor",
    "Priya Raghunathan",
    "Tomas Vrba",
    "Aiko Fenwick",
    "Lucas Brandt",
    "Hannah Osei",
    "Rafael Quintero",
    "Ines Kowal",
    "Samir Haddad",
]
FIRMS = [
    "Brightfold",
    "Quillstone",
    "Harbor & Pike",
    "Nimbleware",
    "Tessellate Labs",
    "Corvid Systems",
    "Greenlane Foods",
    "Polaris Freight",
    "Ridgeway Mutual",
    "Lumen Kitchens",
]
LANGS = ["Rust", "Go", "TypeScript", "Python", "Kotlin", "Elixir"]
MODELS_OPEN = ["Llama 3", "Qwen2.5", "Mistral 7B", "Gemma 2", "DeepSeek-R1 distills", "Phi-3"]
CHATBOTS = ["ChatGPT", "Claude", "Gemini", "Copilot", "a local LLM"]
GAMES = ["Starfall Odyssey", "Iron Tide", "Neon Drift 2", "Hollow Crown", "Skyward Rally", "Deep Keep"]
CARDS = [
    "GeForce RTX 4070 Super",
    "Radeon RX 7800 XT",
    "Arc B580",
    "GeForce RTX 4060",
    "Radeon RX 7600",
    "GeForce RTX 5080",
]
REGULATORS = [
    "Ireland's data protection commission",
    "France's CNIL",
    "the Dutch privacy watchdog",
    "Italy's Garante",
    "South Korea's privacy commission",
    "Spain's data protection agency",
]
FINED = [
    "Meta",
    "TikTok",
    "a ride-hailing app",
    "a dating app",
    "Amazon's logistics arm",
    "a supermarket chain",
    "LinkedIn",
    "a fitness tracker maker",
]
AMOUNTS = ["4.2 million euros", "12 million euros", "290 million euros", "61 million euros", "8.5 million euros"]
COUNTRIES = ["Brazil", "Kenya", "Poland", "Indonesia", "Chile", "Canada", "Portugal", "Vietnam", "Ghana", "Norway"]
LABS = [
    "an Anthropic team",
    "university researchers",
    "an independent lab",
    "OpenAI's alignment group",
    "Google DeepMind researchers",
    "a nonprofit evaluation group",
]
PHONES = ["Galaxy S25", "Pixel 9a", "iPhone 16e", "Xiaomi 15", "OnePlus 13", "Galaxy Z Flip6"]
SNACKS = ["salt and vinegar", "smoked paprika", "sour cream and chive", "sea salt", "jalapeno"]
CROPS = ["rice", "wheat", "onions", "sugar", "palm oil", "fertiliser"]
MONTHS = ["January", "March", "April", "June", "September", "October", "November"]
NUMBERS = ["three", "four", "five", "seven", "twelve"]

S = dict(
    town=TOWNS,
    club=CLUBS,
    person=PEOPLE,
    firm=FIRMS,
    lang=LANGS,
    open_model=MODELS_OPEN,
    chatbot=CHATBOTS,
    game=GAMES,
    card=CARDS,
    regulator=REGULATORS,
    fined=FINED,
    amount=AMOUNTS,
    country=COUNTRIES,
    lab=LABS,
    phone=PHONES,
    snack=SNACKS,
    crop=CROPS,
    month=MONTHS,
    n=NUMBERS,
    club2=CLUBS,
)

# (noise, source, title, summary): {slot} is filled from S; a template writes PER_TEMPLATE items at most.
TEMPLATES: list[tuple[str, str, str, str]] = [
    # developer tutorials that name LLMs, GPUs and watched companies
    (
        "dev_tutorial",
        "developer",
        "Running {open_model} on a laptop with llama.cpp: a practical walkthrough",
        "Quantisation settings, memory use and how many tokens a second to expect on a mid-range machine.",
    ),
    (
        "dev_tutorial",
        "developer",
        "How I used {chatbot} to refactor a legacy {lang} service",
        "Where the assistant saved hours, where it invented functions, and the review checklist I ended with.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Fine-tuning {open_model} with LoRA on a single rented GPU",
        "A notebook-style guide covering data formatting, adapter rank and evaluation on a held-out split.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Writing your first CUDA kernel in {lang} bindings",
        "We port a naive loop to the GPU, measure it, then fix memory coalescing for a fourfold gain.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Prompt caching explained: cutting the bill on a {chatbot}-backed support bot",
        "Which parts of a prompt can be reused across calls and how the savings showed up in our invoices.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Building a retrieval pipeline over {firm}'s internal wiki",
        "Chunk sizes, embedding models and why re-ranking mattered more than the choice of vector store.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Profiling PyTorch training loops: finding the idle GPU time",
        "Data loader stalls, host-to-device copies and the trace viewer settings that made them obvious.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Serving {open_model} behind an OpenAI-compatible API with vLLM",
        "Docker setup, batching options and a load test against two consumer graphics cards.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Testing code that calls an LLM: mocks, snapshots and evals",
        "How our {lang} team keeps flaky model outputs from breaking the continuous integration run.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Ten mistakes we made moving our ML jobs to Kubernetes GPU nodes",
        "Node pools, taints, device plugins and the scheduling bug that cost a weekend.",
    ),
    (
        "dev_tutorial",
        "developer",
        "A gentle introduction to tokenizers for {lang} developers",
        "Byte-pair encoding in plain words, with a toy implementation you can run in the browser.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Structured extraction from invoices with {chatbot} and JSON schemas",
        "Validation, retries and the fields that still need a human to check them.",
    ),
    # AI-safety and evaluation write-ups
    (
        "ai_safety_research",
        "developer",
        "Paper: {lab} find language models can hide reasoning from monitors",
        "The study probes whether chain-of-thought stays faithful when a model is told it is being watched.",
    ),
    (
        "ai_safety_research",
        "trade",
        "Researchers catalogue jailbreak prompts that still work on popular chatbots",
        "{lab} tested dozens of role-play and encoding tricks and report which defences held.",
    ),
    (
        "ai_safety_research",
        "developer",
        "What interpretability can and cannot tell us yet, by {person}",
        "An essay on feature probes, circuits and the gap between lab demos and audits.",
    ),
    (
        "ai_safety_research",
        "trade",
        "New benchmark measures whether AI agents follow safety instructions",
        "{lab} built simulated office tasks in which shortcuts break the rules they were given.",
    ),
    (
        "ai_safety_research",
        "world",
        "Study warns chatbots flatter users who state wrong facts",
        "{lab} measured how often assistants changed a correct answer after pushback.",
    ),
    (
        "ai_safety_research",
        "developer",
        "Red-teaming notes: eliciting dangerous capabilities in a sandbox",
        "{lab} describe their protocol for testing models on cyber tasks without real targets.",
    ),
    (
        "ai_safety_research",
        "trade",
        "Workshop on AI alignment draws record submissions",
        "Papers on reward hacking, oversight and model honesty dominated the programme in {town}.",
    ),
    # privacy fines
    (
        "privacy_fine",
        "wire",
        "{regulator} fines {fined} {amount} over data handling",
        "The regulator said users were not told clearly how their location and contacts were used.",
    ),
    (
        "privacy_fine",
        "world",
        "{fined} ordered to pay {amount} for keeping records too long",
        "The decision by {regulator} follows a complaint filed by a consumer group.",
    ),
    (
        "privacy_fine",
        "wire",
        "Court upholds {amount} penalty against {fined} over cookie banners",
        "Judges agreed with {regulator} that rejecting tracking had been made harder than accepting it.",
    ),
    (
        "privacy_fine",
        "world",
        "{fined} settles children's privacy claims for {amount}",
        "Parents had alleged the service collected data from users under 13 without consent.",
    ),
    # political rallies and campaigns
    (
        "political_rally",
        "world",
        "{person} tells a rally in {town} that rents must come down",
        "The candidate promised rent caps and more council housing before a crowd of several thousand.",
    ),
    (
        "political_rally",
        "world",
        "Thousands march in {town} ahead of regional election",
        "Supporters of the governing coalition filled the main square; opposition events are planned next week.",
    ),
    (
        "political_rally",
        "wire",
        "Opposition leader rallies farmers in {country} over fuel prices",
        "The speech demanded lower diesel taxes and cheaper fertiliser.",
    ),
    (
        "political_rally",
        "world",
        "Campaign trail: {person} promises faster trains at {town} rally",
        "The pledge includes a new line and more frequent services by {month} next year.",
    ),
    (
        "political_rally",
        "wire",
        "President addresses supporters in swing-state stop, vows tax cuts",
        "The rally in {town} focused on wages, border policy and gasoline prices.",
    ),
    # gaming GPUs and consumer graphics
    (
        "gaming_gpu",
        "trade",
        "{card} review: the sweet spot for 1440p gaming?",
        "We tested {n} recent games with and without upscaling and measured power draw.",
    ),
    (
        "gaming_gpu",
        "trade",
        "Best graphics cards for {game} at high settings",
        "Our picks for every budget, from the {card} upward.",
    ),
    (
        "gaming_gpu",
        "trade",
        "Nvidia driver update fixes stutter in {game}",
        "The hotfix also addresses a flicker reported by owners of older laptops.",
    ),
    (
        "gaming_gpu",
        "trade",
        "{card} prices fall below launch level at major retailers",
        "Discounts arrived as stock built up before the holiday season.",
    ),
    (
        "gaming_gpu",
        "developer",
        "How to undervolt your {card} for quieter gaming",
        "A step-by-step guide with the settings that kept our test card stable.",
    ),
    (
        "gaming_gpu",
        "trade",
        "Handheld PC with AMD graphics runs {game} at 40 frames a second",
        "Battery life lasted about two hours in our test at medium settings.",
    ),
    # gadgets from watched companies
    (
        "consumer_gadget",
        "trade",
        "{phone} review: better battery, same camera",
        "The phone lasted a day and a half in our tests; charging remains slow.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Samsung's new fridge can order groceries when you run low",
        "The appliance has a screen on the door and works with {n} delivery services.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Apple adds hearing-test feature to its earbuds",
        "The update arrives in {month} for owners of the latest models.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Google's smart thermostat gets a cheaper model",
        "It drops the room sensors but keeps scheduling and remote control.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Amazon cuts price of its e-reader for a weekend sale",
        "The discount covers the basic model and the one with a warm light.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Microsoft releases a new Xbox controller with swappable sticks",
        "It goes on sale in {month} in {n} colours.",
    ),
    # false friends
    (
        "false_friend",
        "world",
        "{town} chip shop wins national fish and chips award",
        "The family-run shop has served the harbour front for forty years.",
    ),
    (
        "false_friend",
        "trade",
        "Snack maker adds {snack} flavour to its potato chips range",
        "The crisps come in a paper-based bag that the company says can be recycled.",
    ),
    (
        "false_friend",
        "world",
        "{country} restricts {crop} exports to hold down prices at home",
        "Traders said the export controls would tighten supply in neighbouring markets.",
    ),
    (
        "false_friend",
        "world",
        "Model {person} opens {town} fashion week",
        "Designers showed autumn collections in a converted tram depot.",
    ),
    (
        "false_friend",
        "world",
        "Casino tycoon indicted in {country} on tax charges",
        "Prosecutors say income from {n} venues was hidden abroad.",
    ),
    (
        "false_friend",
        "world",
        "Model railway club in {town} unveils a new layout",
        "Members spent two years building a scale copy of the old station.",
    ),
    (
        "false_friend",
        "trade",
        "Bakery chain launches wafer biscuits for school lunch boxes",
        "The bars are nut-free and sold in packs of {n}.",
    ),
    (
        "false_friend",
        "world",
        "Iron foundry in {town} closes after 120 years",
        "The works cast drain covers and railings for much of the region.",
    ),
    (
        "false_friend",
        "world",
        "Blue chip stocks lift {country}'s index to a record",
        "Banks and utilities led the gains in thin trading.",
    ),
    (
        "false_friend",
        "world",
        "Rare orchid smuggling ring broken up at {country} border",
        "Customs officers found plants hidden in suitcases.",
    ),
    (
        "false_friend",
        "trade",
        "Toy company releases a die-cast model of a classic rally car",
        "The 1:18 replica has opening doors and a detailed engine bay.",
    ),
    (
        "false_friend",
        "world",
        "Sanctions on {country}'s oil sector extended for six months",
        "The measures cover tankers, insurers and port operators.",
    ),
    # finance and business
    (
        "finance",
        "wire",
        "Ten-year bond yields rise as inflation stays sticky",
        "Traders pushed back bets on rate cuts until {month}.",
    ),
    (
        "finance",
        "wire",
        "{firm} shares jump after quarterly profit beats forecasts",
        "The company also raised its dividend and announced a buyback.",
    ),
    (
        "finance",
        "wire",
        "Central bank of {country} holds rates steady",
        "Policymakers said they would wait for more data on wages.",
    ),
    (
        "finance",
        "wire",
        "Oil slips as stockpiles grow more than expected",
        "Brent crude fell about one percent in early trading.",
    ),
    (
        "business",
        "trade",
        "{firm} to open {n} new warehouses in {country}",
        "The logistics company expects to hire several hundred workers.",
    ),
    (
        "business",
        "wire",
        "Airline orders {n} narrow-body jets for regional routes",
        "Deliveries start in {month} of next year.",
    ),
    (
        "business",
        "trade",
        "{firm} appoints {person} as chief financial officer",
        "The former bank executive starts next month.",
    ),
    # sport, weather, world, health, science, entertainment, other tech
    (
        "sports",
        "world",
        "{club} beat {club2} 2-1 with a late header",
        "The winner came in the 89th minute after a corner.",
    ),
    (
        "sports",
        "world",
        "{person} wins the {town} marathon in a course record",
        "Warm weather slowed much of the field.",
    ),
    (
        "sports",
        "world",
        "{club} sack their manager after five straight defeats",
        "A caretaker will lead the team until the end of {month}.",
    ),
    (
        "sports",
        "world",
        "Tennis: {person} reaches the semi-finals in straight sets",
        "The match lasted just over an hour.",
    ),
    (
        "weather",
        "world",
        "Storm warning issued for {town} as heavy rain moves in",
        "Forecasters expect up to 80 millimetres in parts of the region.",
    ),
    (
        "weather",
        "world",
        "Heatwave pushes temperatures past 40C in {country}",
        "Authorities opened cooling centres and limited outdoor work.",
    ),
    (
        "world",
        "wire",
        "Ferry strike strands travellers in {country}",
        "Unions are seeking a pay rise in line with inflation.",
    ),
    (
        "world",
        "world",
        "{country} votes in a referendum on pension reform",
        "Turnout was above 60 percent by mid-afternoon.",
    ),
    (
        "world",
        "wire",
        "Earthquake of magnitude 5.8 shakes northern {country}",
        "No casualties were reported; some buildings were damaged.",
    ),
    ("world", "world", "{town} council approves new cycle lanes", "Work on the first stretch begins in {month}."),
    (
        "health",
        "world",
        "Hospital in {town} trials shorter waiting lists with evening clinics",
        "Patients can now book appointments until 9 pm.",
    ),
    (
        "health",
        "world",
        "Flu season arrives early in {country}",
        "Health officials urged older people to get vaccinated.",
    ),
    (
        "science",
        "world",
        "Astronomers spot a comet that will be visible in {month}",
        "It should be seen with binoculars from dark sites.",
    ),
    (
        "science",
        "world",
        "Researchers map the migration of eels across the Atlantic",
        "Tags showed the fish travelled deeper than expected.",
    ),
    (
        "entertainment",
        "world",
        "Film festival in {town} opens with a documentary about dockworkers",
        "More than {n} dozen films compete this year.",
    ),
    ("entertainment", "world", "Band announces reunion tour with a stop in {town}", "Tickets go on sale on Friday."),
    (
        "tech_other",
        "trade",
        "Browser update adds tab groups sync and a new password checker",
        "The release also fixes {n} security flaws.",
    ),
    (
        "tech_other",
        "trade",
        "Outage knocks {firm}'s booking site offline for three hours",
        "The company blamed a faulty configuration change.",
    ),
    (
        "tech_other",
        "trade",
        "Open-source database project releases version {n}.0",
        "The release adds faster joins and better JSON support.",
    ),
    (
        "tech_other",
        "trade",
        "Ransomware attack disrupts schools in {town}",
        "Classes moved online while systems were restored.",
    ),
    (
        "tech_other",
        "trade",
        "Messaging app lets users edit messages for 15 minutes",
        "The feature rolls out to all users over the coming weeks.",
    ),
    (
        "tech_other",
        "trade",
        "Startup {firm} raises seed funding for a bookkeeping app",
        "The round was led by a local venture fund.",
    ),
    (
        "tech_other",
        "trade",
        "Chatbot helps {town} council answer questions about bin collections",
        "Residents can ask about schedules and missed pickups on the council website.",
    ),
    (
        "tech_other",
        "trade",
        "Retailer {firm} adds an AI shopping assistant to its app",
        "The assistant suggests sizes and answers questions about returns.",
    ),
    (
        "tech_other",
        "trade",
        "Smart TV makers add AI upscaling to budget sets",
        "Reviewers found the effect subtle on most content.",
    ),
    (
        "tech_other",
        "developer",
        "Survey: most developers now use an AI coding assistant at work",
        "Respondents said the tools help with boilerplate but not design.",
    ),
    # second batch: more hard negatives naming watched companies, and everyday news
    (
        "dev_tutorial",
        "developer",
        "Benchmarking {open_model} against {chatbot} on our {lang} code-review data",
        "A small internal study: accuracy, latency and cost per thousand reviews.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Why our GPU cluster sat idle at night, and the scheduler we wrote in {lang}",
        "Queueing batch jobs off-peak cut our cloud bill by a third.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Ask the engineer: should a two-person startup self-host {open_model}?",
        "{person} weighs API prices against the hidden costs of running inference yourself.",
    ),
    (
        "dev_tutorial",
        "developer",
        "From notebook to production: packaging a {lang} model server",
        "Health checks, graceful shutdown and keeping the GPU warm between requests.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Using {chatbot} to write unit tests: a month-long experiment",
        "Coverage went up, but about one test in five asserted the wrong behaviour.",
    ),
    (
        "dev_tutorial",
        "developer",
        "Mixed precision training on older GPUs: what still works",
        "bf16 is missing on some cards; fp16 with loss scaling is the fallback we used.",
    ),
    (
        "ai_safety_research",
        "trade",
        "Report urges independent audits of frontier AI labs",
        "{lab} propose a checklist covering model evaluations and incident reporting.",
    ),
    (
        "ai_safety_research",
        "developer",
        "Do reward models prefer longer answers? A replication",
        "{lab} confirm a length bias and test two simple corrections.",
    ),
    (
        "ai_safety_research",
        "world",
        "Podcast: {person} on why AI risk research needs more funding",
        "The researcher discusses evaluations, oversight and careers in the field.",
    ),
    (
        "privacy_fine",
        "wire",
        "Regulator in {country} fines telecom operator {amount} after data leak",
        "Names and phone numbers of customers were exposed for several weeks.",
    ),
    (
        "privacy_fine",
        "world",
        "{fined} fined {amount} for facial recognition in stores",
        "{regulator} said shoppers had not agreed to have their faces scanned.",
    ),
    (
        "political_rally",
        "world",
        "Election rally in {town} ends early after thunderstorm",
        "{person} cut the speech short as heavy rain swept the square.",
    ),
    (
        "political_rally",
        "wire",
        "Rival rallies in {country}'s capital draw tens of thousands",
        "Police kept the two marches apart; no arrests were reported.",
    ),
    (
        "gaming_gpu",
        "trade",
        "Leaked benchmarks hint at next year's mid-range gaming GPUs",
        "The figures, which could not be verified, suggest gains of about 20 percent over the {card}.",
    ),
    (
        "gaming_gpu",
        "trade",
        "{game} patch adds frame generation and fixes crashes on {card}",
        "Players had reported freezes after loading saved games.",
    ),
    (
        "gaming_gpu",
        "trade",
        "Building a quiet gaming PC around the {card} for under 1,000 dollars",
        "Our parts list balances noise, size and upgrade room.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Nvidia Shield streaming box gets another software update",
        "The update improves audio passthrough and adds {n} new apps.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Meta's VR headset drops in price ahead of the holidays",
        "The cut applies to the 128 GB model in {country} and elsewhere.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Hands-on with the {phone}: the AI photo eraser is the headline",
        "Editing tools run on the phone; results were mixed on busy backgrounds.",
    ),
    (
        "consumer_gadget",
        "trade",
        "Intel-powered laptops lead back-to-school deals in {country}",
        "Retailers cut prices on thin-and-light models by up to a fifth.",
    ),
    (
        "false_friend",
        "world",
        "Potato shortage pushes up prices at {town} fish and chip shops",
        "Owners blame a wet summer that cut the harvest.",
    ),
    (
        "false_friend",
        "world",
        "Role model: {person} mentors young players at {club}",
        "The former captain runs weekly sessions for the academy.",
    ),
    (
        "false_friend",
        "world",
        "{country} lifts export ban on {crop} after a good harvest",
        "Farmers had lobbied for months to sell abroad again.",
    ),
    (
        "false_friend",
        "trade",
        "Car maker's new model goes on sale in {country}",
        "The hatchback comes with a hybrid engine and a larger boot.",
    ),
    (
        "false_friend",
        "world",
        "Ex-minister indicted over road contracts in {country}",
        "Prosecutors allege kickbacks on {n} highway projects.",
    ),
    (
        "false_friend",
        "trade",
        "Semiconductor of humour: comedian's chip-themed show sells out in {town}",
        "The stand-up set riffs on snacks, fryers and the local chippy.",
    ),
    (
        "finance",
        "wire",
        "{firm} cuts profit outlook as freight costs rise",
        "Shares fell in early trading in {country}.",
    ),
    ("finance", "wire", "Gold hits a record as investors seek safety", "Prices rose for a {n}th straight session."),
    (
        "business",
        "trade",
        "{firm} recalls kettles over overheating risk",
        "Customers can return them for a full refund.",
    ),
    (
        "business",
        "wire",
        "{firm} to cut {n} hundred jobs in restructuring",
        "The company said most cuts would fall in back-office roles.",
    ),
    (
        "sports",
        "world",
        "Cycling: {person} takes the leader's jersey in the mountains",
        "The stage finished on a climb above {town}.",
    ),
    (
        "sports",
        "world",
        "{club} sign a striker from {club2} for an undisclosed fee",
        "The player has agreed a four-year contract.",
    ),
    (
        "world",
        "world",
        "Bridge in {town} reopens after two years of repairs",
        "The crossing carries about 20,000 vehicles a day.",
    ),
    (
        "world",
        "wire",
        "Wildfires force evacuations in southern {country}",
        "Firefighters were helped by a change in wind direction.",
    ),
    (
        "health",
        "world",
        "Study links short walks after meals with lower blood sugar",
        "Researchers followed {n} hundred adults for a year.",
    ),
    (
        "science",
        "world",
        "Volcano near {town} shows signs of unrest",
        "Scientists raised the alert level but see no immediate danger.",
    ),
    (
        "entertainment",
        "world",
        "Streaming series about a {town} bakery renewed for a second season",
        "Filming resumes in {month}.",
    ),
    (
        "tech_other",
        "trade",
        "{firm} moves its customer records to a new cloud provider",
        "The migration took {n} months and finished without downtime.",
    ),
    (
        "tech_other",
        "trade",
        "Password manager adds passkey support for all users",
        "Passkeys sync across phones and laptops.",
    ),
    (
        "tech_other",
        "trade",
        "AI note-taker for doctors trialled in {town} clinics",
        "Doctors review the drafted notes before they enter the record.",
    ),
]

ZH_TOWNS = ["青石镇", "南湾区", "柳河县", "东岭市", "白沙湾"]
ZH_GAMES = ["星河纪元", "铁潮", "山海行", "霓虹疾驰"]
ZH_CARDS = ["RTX 4060", "RX 7600", "RTX 4070", "锐炫B580"]
ZH_MODELS = ["Qwen2.5", "Llama 3", "DeepSeek蒸馏版", "ChatGLM"]
ZH_CROPS = ["大米", "小麦", "食糖", "化肥"]
ZH_TEAMS = ["东岭猎鹰", "南湾海豚", "柳河雄狮", "白沙蓝鲸"]
ZS = dict(town=ZH_TOWNS, game=ZH_GAMES, card=ZH_CARDS, model=ZH_MODELS, crop=ZH_CROPS, team=ZH_TEAMS, team2=ZH_TEAMS)

ZH_TEMPLATES: list[tuple[str, str, str, str]] = [
    (
        "dev_tutorial",
        "developer",
        "手把手教你用单张显卡部署{model}",
        "本文介绍量化、显存占用和推理速度的实测结果，并附上配置文件。",
    ),
    (
        "dev_tutorial",
        "developer",
        "大模型应用开发入门：用{model}搭建知识库问答",
        "从文档切分、向量检索到提示词设计，一步步完成一个小项目。",
    ),
    (
        "dev_tutorial",
        "developer",
        "CUDA性能调优笔记：共享内存与线程束",
        "通过一个矩阵转置的例子，说明如何减少访存冲突。",
    ),
    ("gaming_gpu", "trade", "{card}显卡评测：千元价位能否畅玩{game}", "我们在三种分辨率下测试了帧率与功耗表现。"),
    ("gaming_gpu", "trade", "双十一显卡选购指南：{card}值不值得买", "综合价格、性能和散热，给出不同预算下的推荐。"),
    (
        "privacy_fine",
        "cn_media",
        "某外卖平台违规收集用户信息被罚款",
        "监管部门称该平台未经同意读取通讯录，责令限期整改。",
    ),
    (
        "ai_safety_research",
        "cn_media",
        "研究人员测试聊天机器人是否会隐瞒错误",
        "论文设计了多组对话场景，观察模型在被质疑时的回答变化。",
    ),
    ("false_friend", "cn_media", "{town}老字号薯片厂推出新口味", "新品采用本地土豆制作，首批在超市上架。"),
    (
        "false_friend",
        "cn_media",
        "多国收紧{crop}出口 国际价格走高",
        "分析人士认为，出口限制将加剧部分进口国的供应压力。",
    ),
    ("false_friend", "cn_media", "{town}举办模特大赛 百余名选手参赛", "比赛分为服装展示和才艺表演两个环节。"),
    ("consumer_gadget", "cn_media", "小米发布新款扫地机器人 续航提升", "新品支持自动集尘，售价较上一代有所下调。"),
    ("consumer_gadget", "cn_media", "华为新款智能手表上市 主打健康监测", "手表支持血氧与睡眠监测，续航约两周。"),
    ("sports", "cn_media", "{team}主场2比1战胜{team2}", "比赛第85分钟，替补球员头球破门锁定胜局。"),
    ("weather", "cn_media", "{town}发布暴雨橙色预警", "气象部门提醒市民减少外出，注意防范城市内涝。"),
    ("world", "cn_media", "{town}新建地铁线路开通运营", "全线设站十二座，早晚高峰发车间隔约四分钟。"),
    ("finance", "cn_media", "本月贷款利率按兵不动 房贷族继续观望", "市场人士预计，年内仍有降准空间。"),
    (
        "tech_other",
        "cn_media",
        "某银行App上线AI客服 可办理挂失等业务",
        "用户可通过语音或文字咨询，复杂问题转人工处理。",
    ),
    ("political_rally", "cn_media", "州长候选人在{town}举行造势集会", "候选人承诺降低房租并增加公共交通投入。"),
    ("dev_tutorial", "developer", "用Python调用{model}接口实现自动摘要", "示例代码演示了分段摘要与结果合并的方法。"),
    ("gaming_gpu", "trade", "{game}新版本优化显卡占用 {card}帧数提升", "玩家反馈卡顿问题已基本解决。"),
    ("false_friend", "cn_media", "{town}举办汽车模型展 吸引大批爱好者", "展会展出上千件各类车模。"),
    ("world", "cn_media", "{town}启动老旧小区改造工程", "工程预计年底前完工，涉及三千余户居民。"),
    ("tech_other", "cn_media", "某手机厂商系统更新加入AI修图功能", "用户可一键去除照片中的路人。"),
    ("sports", "cn_media", "{team}签下一名外援中锋", "俱乐部表示，新援将在下周随队训练。"),
]

# Items the overlap check (check_overlap.py, with the development set) found too close to a title measured on:
# dropped by title, unseen, so the file can be rebuilt without the measured sets.
DROPPED = frozenset(
    {
        "A gentle introduction to tokenizers for Elixir developers",
        "A gentle introduction to tokenizers for Go developers",
        "A gentle introduction to tokenizers for Python developers",
        "A gentle introduction to tokenizers for TypeScript developers",
        "Best graphics cards for Deep Keep at high settings",
        "Best graphics cards for Hollow Crown at high settings",
        "Best graphics cards for Iron Tide at high settings",
        "Best graphics cards for Skyward Rally at high settings",
        "Brackley Vale council approves new cycle lanes",
        "Brightfold recalls kettles over overheating risk",
        "Canada lifts export ban on onions after a good harvest",
        "Central bank of Chile holds rates steady",
        "Central bank of Kenya holds rates steady",
        "Central bank of Poland holds rates steady",
        "Central bank of Portugal holds rates steady",
        "Chile restricts fertiliser exports to hold down prices at home",
        "Chile restricts sugar exports to hold down prices at home",
        "Denholm council approves new cycle lanes",
        "Election rally in Lindqvist Bay ends early after thunderstorm",
        "Election rally in Millbrook ends early after thunderstorm",
        "Heatwave pushes temperatures past 40C in Norway",
        "Indonesia restricts palm oil exports to hold down prices at home",
        "Lindqvist Bay council approves new cycle lanes",
        "Lumen Kitchens recalls kettles over overheating risk",
        "Meta settles children's privacy claims for 4.2 million euros",
        "Meta's VR headset drops in price ahead of the holidays",
        "Mixed precision training on older GPUs: what still works",
        "Model railway club in Santa Orla unveils a new layout",
        "Norway restricts onions exports to hold down prices at home",
        "Oakhaven council approves new cycle lanes",
        "Oil slips as stockpiles grow more than expected",
        "Opposition leader rallies farmers in Chile over fuel prices",
        "Opposition leader rallies farmers in Ghana over fuel prices",
        "Paper: an Anthropic team find language models can hide reasoning from monitors",
        "Password manager adds passkey support for all users",
        "Polaris Freight recalls kettles over overheating risk",
        "Retailer Corvid Systems adds an AI shopping assistant to its app",
        "Retailer Nimbleware adds an AI shopping assistant to its app",
        "Retailer Quillstone adds an AI shopping assistant to its app",
        "Retailer Tessellate Labs adds an AI shopping assistant to its app",
        "Ridgeway Mutual recalls kettles over overheating risk",
        "Rival rallies in Chile's capital draw tens of thousands",
        "Snack maker adds salt and vinegar flavour to its potato chips range",
        "Snack maker adds sea salt flavour to its potato chips range",
        "Snack maker adds smoked paprika flavour to its potato chips range",
        "Startup Nimbleware raises seed funding for a bookkeeping app",
        "Startup Quillstone raises seed funding for a bookkeeping app",
        "Startup Ridgeway Mutual raises seed funding for a bookkeeping app",
        "Storm warning issued for Carrowmore as heavy rain moves in",
        "Storm warning issued for Kettering Hollow as heavy rain moves in",
        "Storm warning issued for Oakhaven as heavy rain moves in",
        "Survey: most developers now use an AI coding assistant at work",
        "Ten-year bond yields rise as inflation stays sticky",
        "TikTok settles children's privacy claims for 8.5 million euros",
        "Writing your first CUDA kernel in Go bindings",
        "Writing your first CUDA kernel in Python bindings",
    }
)


def _fill(template: str, slots: dict[str, list[str]], chosen: dict[str, str], rng: random.Random) -> str:
    for name, values in slots.items():
        token = "{" + name + "}"
        if token in template:
            if name not in chosen:
                chosen[name] = rng.choice(values)
            template = template.replace(token, chosen[name])
    return template


def _rows(
    templates: list[tuple[str, str, str, str]], slots: dict[str, list[str]], lang: str, rng: random.Random
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for noise, source, title_template, summary_template in templates:
        titles: set[str] = set()
        for _ in range(PER_TEMPLATE * 6):
            if len(titles) == PER_TEMPLATE:
                break
            chosen: dict[str, str] = {}
            title = _fill(title_template, slots, chosen, rng)
            if title in titles:
                continue
            titles.add(title)
            rows.append(
                {
                    "source": source,
                    "lang": lang,
                    "title": title,
                    "summary": _fill(summary_template, slots, chosen, rng),
                    "published": (date(2024, 1, 1) + timedelta(days=rng.randrange(700))).isoformat(),
                    "relevant": False,
                    "category": None,
                    "kind": None,
                    "noise": noise,
                }
            )
    return rows


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows = _rows(TEMPLATES, S, "en", rng) + _rows(ZH_TEMPLATES, ZS, "zh", rng)
    rows = [row for row in rows if row["title"] not in DROPPED]
    rng.shuffle(rows)
    return [{"id": f"noise-{number:04d}", **row} for number, row in enumerate(rows, 1)]


def main() -> None:
    OUT.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in build()), encoding="utf-8")


if __name__ == "__main__":
    main()
