"""Writes seed.jsonl's fourth round (issue 16): launches by labs and chip makers the set named little, in verbs it
had few of, and hard negatives that name watched companies, from templates written for it.

The third round's hand-written items raised recall on news worded by others; what still scored near zero were
launches by labs the model had never seen ("X open-sources Y", "X refreshes Y"), which it learned to call noise
because the only items naming an unknown firm were negatives. These items pair many labs, chip makers, foundries
and buyers (some real, some invented: the pattern is what is taught, not the name) with the phrasings of each kind,
and add hard negatives in other words than noise_tuning.jsonl's (its templates were not reused). Fixed seed:

    .venv/bin/python -m sources.training.make_seed_round4

prints the rows (JSON Lines) that follow `seed-1157` in seed.jsonl; a test checks that the file holds them.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

SEED = 4016
FIRST_ID = 1158
PER_TEMPLATE = 3

LABS = [
    "Upstage",
    "Sakana AI",
    "Cohere",
    "AI21 Labs",
    "Reka",
    "Aleph Alpha",
    "LG AI Research",
    "Kakao",
    "Kunlun Tech",
    "Kuaishou",
    "JD.com",
    "Ant Group",
    "vivo",
    "Lumora AI",
    "Kestrel Labs",
    "Northwind AI",
]
MODEL_NAMES = ["Aster-2", "Solace 3", "Halcyon-R", "Vela 4", "Orion Mini", "Tern-1.5", "Corvus 7B", "Mira-Think"]
USES = [
    "coding",
    "long documents",
    "maths and reasoning",
    "phones and laptops",
    "customer service agents",
    "Korean and Japanese",
    "Arabic",
    "video understanding",
]
SIZES = ["7-billion-parameter", "32-billion-parameter", "mixture-of-experts", "small", "multimodal"]
CHIPCOS = [
    "Groq",
    "Cerebras",
    "SambaNova",
    "Axelera AI",
    "Rebellions",
    "FuriosaAI",
    "Hailo",
    "Etched",
    "Iluvatar CoreX",
    "Hygon",
    "Cambricon",
    "Moore Threads",
]
CHIPS = ["Atlas-X", "Nimbus 2", "RX-900", "Tidal", "Sora-2i", "K200"]
FOUNDRIES = ["TSMC", "Samsung", "Intel Foundry", "SMIC", "GlobalFoundries", "UMC", "Hua Hong"]
NODES = ["2-nanometre", "3-nanometre", "5-nanometre", "7-nanometre", "advanced packaging"]
PLACES = ["Arizona", "Kumamoto", "Dresden", "Pyeongtaek", "Hsinchu", "Shanghai", "Ohio"]
BUYERS = [
    "a Saudi data-centre developer",
    "an Indonesian telecom group",
    "a Korean internet company",
    "a French cloud provider",
    "a Malaysian hosting firm",
    "a Japanese trading house",
    "an Emirati AI fund",
]
COUNTRIES = ["Malaysia", "Singapore", "Thailand", "Vietnam", "the UAE", "Taiwan"]
MONEY = ["$300 million", "$1.2 billion", "$85 million", "$640 million", "$2 billion"]
NUMBERS = ["4", "8", "10", "16", "20", "25"]
CHATBOTS = ["ChatGPT", "Claude", "Gemini", "Copilot", "Qwen"]
OPEN_MODELS = ["Llama", "Mistral", "Gemma", "Qwen", "DeepSeek"]
CARDS = ["RTX 4080", "RTX 5070", "RX 9070", "Arc A770", "RTX 3060"]
GAMES = ["Ember Road", "Tin Soldiers", "Glasswing", "Outpost 9"]
TOWNS = ["Greyhaven", "Tullamore Cross", "Eastmere", "Harlow Bridge", "Fenwick", "Calder Mouth"]
PEOPLE = ["Nadia Petrakis", "Owen Castellanos", "Mei Lindgren", "Kofi Aldana", "Greta Yamamoto"]
FIRMS = ["Larkspur Retail", "Bellwether Insurance", "Oakmoss Travel", "Pinecrest Bank", "Sundial Health"]
CROPS = ["maize", "cooking oil", "potatoes", "barley", "beef"]
ZH_LABS = ["快手", "京东", "蚂蚁集团", "昆仑万维", "vivo", "荣耀", "出门问问", "澜舟科技"]
ZH_MODELS = ["星河-2", "灵犀4", "天工R1", "云雀Mini", "启明7B"]
ZH_CHIPCOS = ["寒武纪", "海光信息", "摩尔线程", "天数智芯", "燧原科技", "昆仑芯"]
ZH_FOUNDRIES = ["中芯国际", "华虹半导体", "长鑫存储", "长江存储"]
ZH_CITIES = ["合肥", "深圳", "无锡", "成都", "上海临港"]

SLOTS = dict(
    lab=LABS,
    mname=MODEL_NAMES,
    use=USES,
    size=SIZES,
    chipco=CHIPCOS,
    chip=CHIPS,
    foundry=FOUNDRIES,
    node=NODES,
    place=PLACES,
    buyer=BUYERS,
    country=COUNTRIES,
    money=MONEY,
    n=NUMBERS,
    chatbot=CHATBOTS,
    open_model=OPEN_MODELS,
    card=CARDS,
    game=GAMES,
    town=TOWNS,
    person=PEOPLE,
    firm=FIRMS,
    crop=CROPS,
    zlab=ZH_LABS,
    zmodel=ZH_MODELS,
    zchipco=ZH_CHIPCOS,
    zfoundry=ZH_FOUNDRIES,
    zcity=ZH_CITIES,
)

# (source, category, kind, title, summary); category None: a hard negative whose noise is `kind`.
TEMPLATES: list[tuple[str, str | None, str, str, str]] = [
    (
        "trade",
        "technology",
        "model_launch",
        "{lab} open-sources {mname}, a {size} model for {use}",
        "The weights are on Hugging Face under a licence that allows commercial use.",
    ),
    (
        "company",
        "technology",
        "model_launch",
        "{lab} makes {mname} generally available to API customers",
        "The company says the model beats its previous release on {use}.",
    ),
    (
        "trade",
        "technology",
        "model_launch",
        "{lab} refreshes {mname} with stronger {use}",
        "The update raises benchmark scores and doubles the context window.",
    ),
    (
        "wire",
        "technology",
        "model_launch",
        "{lab} previews {mname}, its first reasoning model",
        "A limited preview opens to developers this week; a wider release follows.",
    ),
    (
        "developer",
        "technology",
        "model_launch",
        "{lab} posts {mname} weights alongside a technical report",
        "The {size} model was trained on {n} trillion tokens, the report says.",
    ),
    (
        "trade",
        "technology",
        "model_launch",
        "{lab} brings out {mname} for {use}",
        "It is offered in its chatbot app and through a paid API.",
    ),
    ("cn_media", "technology", "model_launch", "{zlab}开源{zmodel}大模型", "模型权重已在开源社区发布，支持商用。"),
    (
        "cn_media",
        "technology",
        "model_launch",
        "{zlab}推出新一代大模型{zmodel} 推理能力提升",
        "公司称新模型在数学和代码任务上表现更好。",
    ),
    (
        "cn_media",
        "technology",
        "model_launch",
        "{zlab}旗下{zmodel}模型完成升级 面向开发者开放",
        "开发者可通过云平台调用新版本接口。",
    ),
    (
        "trade",
        "technology",
        "chip_launch",
        "{chipco} unveils {chip}, an inference accelerator for data centres",
        "The chip pairs on-die memory with a new interconnect for large models.",
    ),
    (
        "trade",
        "technology",
        "chip_launch",
        "{chipco} starts sampling its {chip} AI chip to cloud customers",
        "Volume shipments are planned for next year.",
    ),
    (
        "wire",
        "technology",
        "chip_launch",
        "{chipco} puts {chip} training chip into mass production",
        "The company says {n} customers have placed orders.",
    ),
    (
        "cn_media",
        "technology",
        "chip_launch",
        "{zchipco}发布新一代AI训练芯片",
        "新品采用先进封装，性能较上一代提升一倍。",
    ),
    (
        "cn_media",
        "technology",
        "chip_launch",
        "{zchipco}新款推理卡开始向客户送样",
        "公司表示，产品已适配多款国产大模型。",
    ),
    (
        "trade",
        "technology",
        "fab_milestone",
        "{foundry} begins risk production on its {node} line in {place}",
        "Volume output is expected within a year.",
    ),
    (
        "wire",
        "technology",
        "fab_milestone",
        "{foundry} moves {node} process into volume production",
        "The first customers are AI chip designers, the company said.",
    ),
    ("cn_media", "technology", "fab_milestone", "{zfoundry}{zcity}新产线投产", "新产线主要生产先进制程芯片。"),
    (
        "trade",
        "gpu_acquisition",
        "gpu_acquisition",
        "{buyer} orders {n},000 Nvidia GPUs for a new AI cluster",
        "The cluster will train models and rent capacity to local startups.",
    ),
    (
        "wire",
        "gpu_acquisition",
        "gpu_acquisition",
        "{buyer} secures {n},000 Blackwell chips under a supply deal",
        "Deliveries start next quarter, according to people familiar with the deal.",
    ),
    (
        "cn_media",
        "gpu_acquisition",
        "gpu_acquisition",
        "{zlab}采购大批GPU 扩建智算中心",
        "新增算力将用于大模型训练和推理服务。",
    ),
    (
        "wire",
        "gpu_acquisition",
        "smuggling_case",
        "Prosecutors charge {n} people with routing restricted AI chips to China through {country}",
        "The indictment says servers were relabelled and shipped via shell companies.",
    ),
    (
        "wire",
        "corporate",
        "investment",
        "{lab} raises {money} to train larger models",
        "The round values the company at several times its last valuation.",
    ),
    (
        "trade",
        "corporate",
        "investment",
        "{chipco} raises {money} to expand AI chip production",
        "Investors include sovereign funds and a large cloud provider.",
    ),
    ("cn_media", "corporate", "investment", "{zchipco}完成新一轮融资 用于AI芯片研发", "本轮融资由多家国有基金领投。"),
    (
        "trade",
        "corporate",
        "founding",
        "Former Google DeepMind researchers found {lab} spin-out to build foundation models",
        "The start-up has hired {n} engineers and rented a GPU cluster.",
    ),
    (
        "wire",
        "corporate",
        "corporate_move",
        "{lab} spins off its chip design team into a separate company",
        "The new company will sell accelerators to outside customers.",
    ),
    (
        "wire",
        "government",
        "rule_release",
        "Commerce tightens export rules on AI chips and chipmaking tools to China",
        "The rule lowers the performance threshold and adds {n} countries to licence requirements.",
    ),
    (
        "wire",
        "government",
        "entity_listing",
        "US adds {n} Chinese AI and chip firms to the Entity List",
        "Suppliers need a licence to ship them US technology.",
    ),
    (
        "government",
        "government",
        "policy_statement",
        "{country} publishes a national plan for AI compute",
        "The plan sets targets for data centres and support for local chip design.",
    ),
    (
        "wire",
        "government",
        "enforcement_action",
        "{country} bars a Chinese lab's chatbot from government devices",
        "Officials cited data security concerns over the app.",
    ),
    # hard negatives
    (
        "developer",
        None,
        "dev_tutorial",
        "Five prompting patterns that make {chatbot} better at summaries",
        "Role, examples, length limits and two tricks for tables.",
    ),
    (
        "developer",
        None,
        "dev_tutorial",
        "Our eval harness for {open_model} in customer support, open-sourced",
        "The harness replays real tickets and scores answers with rubrics.",
    ),
    (
        "developer",
        None,
        "dev_tutorial",
        "Speeding up {open_model} inference on an {card} with flash attention",
        "Numbers before and after, and the build flags we needed.",
    ),
    (
        "developer",
        None,
        "dev_tutorial",
        "Cheap GPU hosting for hobby projects: {n} providers compared",
        "Hourly prices, cold-start times and what happens when a spot instance disappears.",
    ),
    ("developer", None, "dev_tutorial", "用{chatbot}写周报？一个程序员的自动化实践", "作者分享了提示词模板和脚本。"),
    (
        "trade",
        None,
        "ai_safety_research",
        "Safety researchers show models can be talked into unsafe answers in {n} turns",
        "The paper tests multi-turn persuasion on {n} chatbots.",
    ),
    (
        "developer",
        None,
        "ai_safety_research",
        "Why model evaluations need more than benchmarks, by {person}",
        "A blog post on elicitation, sandbagging and independent testing.",
    ),
    (
        "wire",
        None,
        "privacy_fine",
        "Watchdog reprimands {firm} over staff fingerprint scanners",
        "The regulator said a less intrusive way to record hours was available.",
    ),
    (
        "world",
        None,
        "privacy_fine",
        "Meta told to pay damages to users over data scraping leak",
        "A court in {place} awarded each claimant a small sum.",
    ),
    (
        "world",
        None,
        "political_rally",
        "Crowd cheers {person} at campaign stop in {town}",
        "The candidate spoke about jobs, schools and the price of petrol.",
    ),
    (
        "trade",
        None,
        "gaming_gpu",
        "{game} runs at 4K on an {card} after the latest patch",
        "We retested performance with the new drivers.",
    ),
    (
        "trade",
        None,
        "gaming_gpu",
        "Nvidia app adds one-click overclocking for GeForce owners",
        "The feature works on desktop cards from the last two generations.",
    ),
    (
        "trade",
        None,
        "consumer_gadget",
        "Google Pixel update adds call screening in {n} more countries",
        "The feature uses on-device speech recognition.",
    ),
    (
        "trade",
        None,
        "consumer_gadget",
        "Samsung's latest tablet gets a brighter screen and a stylus",
        "It goes on sale in {place} next month.",
    ),
    ("cn_media", None, "consumer_gadget", "华为新款无线耳机开售 降噪效果升级", "新品续航提升，首发价格与上一代持平。"),
    ("cn_media", None, "consumer_gadget", "小米平板新品上市 学生版售价更低", "新品配备更大屏幕，支持手写笔。"),
    ("cn_media", None, "consumer_gadget", "荣耀发布折叠屏手机 机身更轻薄", "新机主打影像和续航，下周开始发货。"),
    (
        "trade",
        None,
        "consumer_gadget",
        "Huawei's new smartwatch adds a blood-pressure strap",
        "The watch goes on sale in {place} with a two-week battery.",
    ),
    (
        "trade",
        None,
        "ai_safety_research",
        "Anthropic study: chatbots can pick up hidden traits from training data",
        "The safety write-up describes experiments on {n} small models.",
    ),
    (
        "developer",
        None,
        "ai_safety_research",
        "OpenAI and academics publish a paper on monitoring agents for misbehaviour",
        "The authors test whether a second model can catch rule-breaking in logs.",
    ),
    (
        "developer",
        None,
        "dev_tutorial",
        "LoRA vs full fine-tuning for {open_model}: what one GPU can do",
        "We compare quality, memory and training time on a {card}.",
    ),
    (
        "developer",
        None,
        "dev_tutorial",
        "用LoRA微调{zmodel}：单卡实战记录",
        "记录了数据准备、显存占用和效果评估的全过程。",
    ),
    (
        "trade",
        None,
        "consumer_gadget",
        "Intel-based mini PCs are this week's best desktop deals",
        "Prices start under 300 dollars for a model with 16 GB of memory.",
    ),
    (
        "world",
        None,
        "false_friend",
        "Fashion model {person} signs with a Paris agency",
        "She was spotted at a market in {town}.",
    ),
    (
        "world",
        None,
        "false_friend",
        "Chips and gravy voted {town}'s favourite takeaway",
        "A local paper ran the poll over the summer.",
    ),
    (
        "world",
        None,
        "false_friend",
        "Government limits {crop} shipments abroad after poor harvest",
        "Exporters need a permit until prices fall.",
    ),
    (
        "wire",
        None,
        "finance",
        "{firm} shares slide after a profit warning",
        "The company blamed weak demand in {place}.",
    ),
]

# Items the overlap check (check_overlap.py, with the development set) found too close to a title measured on:
# dropped by title, unseen, so the rows can be rebuilt without the measured sets.
DROPPED = frozenset(
    {
        "Commerce tightens export rules on AI chips and chipmaking tools to China",
        "Fashion model Kofi Aldana signs with a Paris agency",
        "Fashion model Nadia Petrakis signs with a Paris agency",
        "Fashion model Owen Castellanos signs with a Paris agency",
        "Former Google DeepMind researchers found Sakana AI spin-out to build foundation models",
        "Government limits potatoes shipments abroad after poor harvest",
        "Hua Hong begins risk production on its advanced packaging line in Ohio",
        "Huawei's new smartwatch adds a blood-pressure strap",
        "Kakao raises $1.2 billion to train larger models",
        "LG AI Research previews Aster-2, its first reasoning model",
        "Meta told to pay damages to users over data scraping leak",
        "Singapore bars a Chinese lab's chatbot from government devices",
        "TSMC moves 3-nanometre process into volume production",
        "The UAE bars a Chinese lab's chatbot from government devices",
        "US adds 10 Chinese AI and chip firms to the Entity List",
        "US adds 4 Chinese AI and chip firms to the Entity List",
        "US adds 8 Chinese AI and chip firms to the Entity List",
        "Vivo previews Tern-1.5, its first reasoning model",
        "Watchdog reprimands Larkspur Retail over staff fingerprint scanners",
        "Watchdog reprimands Oakmoss Travel over staff fingerprint scanners",
        "Watchdog reprimands Pinecrest Bank over staff fingerprint scanners",
    }
)


def _fill(template: str, chosen: dict[str, str], rng: random.Random) -> str:
    for name, values in SLOTS.items():
        token = "{" + name + "}"
        if token in template:
            if name not in chosen:
                chosen[name] = rng.choice(values)
            template = template.replace(token, chosen[name])
    return template


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    for source, category, kind, title_template, summary_template in TEMPLATES:
        titles: set[str] = set()
        for _ in range(PER_TEMPLATE * 6):
            if len(titles) == PER_TEMPLATE:
                break
            chosen: dict[str, str] = {}
            title = _fill(title_template, chosen, rng)
            title = title[0].upper() + title[1:]
            if title in titles:
                continue
            titles.add(title)
            relevant = category is not None
            rows.append(
                {
                    "source": source,
                    "lang": "zh" if any("\u4e00" <= char <= "\u9fff" for char in title) else "en",
                    "title": title,
                    "summary": _fill(summary_template, chosen, rng),
                    "published": (date(2024, 3, 1) + timedelta(days=rng.randrange(600))).isoformat(),
                    "relevant": relevant,
                    "category": category,
                    "kind": kind if relevant else None,
                    "noise": None if relevant else kind,
                }
            )
    rows = [row for row in rows if row["title"] not in DROPPED]
    rng.shuffle(rows)
    return [{"id": f"seed-{FIRST_ID + number:04d}", **row} for number, row in enumerate(rows)]


def main() -> None:
    for row in build():
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
