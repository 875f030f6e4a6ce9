"""Writes heldout2-feed.xml and heldout2-labels.json: a second hand-written held-out set.

Written after the default watch-list existed, deliberately to probe its weak spots (wording it has no rule
for, other companies and agencies, Chinese items, new false friends), and measured once, before any rule
change, so its first figures are reported as they came out.
"""

import json
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent

ITEMS = [
    (
        True,
        "government",
        "Malaysia tightens rules on shipments of US AI chips through its data centres",
        "Exporters must now notify the trade ministry before moving high-performance processors.",
    ),
    (
        True,
        "corporate",
        "Intel CEO Pat Gelsinger retires as the chipmaker struggles",
        "The board named two interim co-chief executives.",
    ),
    (
        True,
        "technology",
        "AMD unveils MI355X accelerator to take on Nvidia's Blackwell",
        "The chip uses 288GB of HBM3E memory.",
    ),
    (
        True,
        "technology",
        "Google DeepMind debuts Gemini 2.0 with agent features",
        "The model can use tools and browse the web on a user's behalf.",
    ),
    (
        True,
        "corporate",
        "Baidu cuts the price of its Ernie models to zero as a price war spreads",
        "Rivals Alibaba and ByteDance had already slashed prices for developers.",
    ),
    (
        True,
        "government",
        "US lawmakers propose bill to require location checks on exported AI chips",
        "The Chip Security Act would oblige exporters to verify where advanced processors end up.",
    ),
    (
        True,
        "government",
        "Chinese regulator tells tech firms to stop buying Nvidia's RTX Pro 6000D",
        "The Cyberspace Administration summoned several companies, people familiar with the matter said.",
    ),
    (
        True,
        "government",
        "Texas man sentenced for exporting semiconductor equipment to Russia",
        "He was sentenced to four years in prison for evading export controls.",
    ),
    (
        True,
        "gpu_acquisition",
        "Microsoft signs deal to rent $10 billion of Nvidia GPU capacity from Nebius",
        "The agreement runs for five years.",
    ),
    (
        True,
        "corporate",
        "Meta to spend up to $65 billion on AI infrastructure this year",
        "Zuckerberg said the company would bring about a gigawatt of computing online.",
    ),
    (
        True,
        "technology",
        "Hua Hong's Wuxi fab starts production on its 28nm line",
        "The line will make chips for power management and image sensors.",
    ),
    (
        True,
        "technology",
        "Rapidus makes its first 2nm prototype wafers in Hokkaido",
        "The Japanese foundry aims for mass production in 2027.",
    ),
    (
        True,
        "corporate",
        "OpenAI valued at $300 billion after SoftBank-led funding round",
        "The round raised $40 billion.",
    ),
    (True, "corporate", "阿里云宣布大幅下调大模型调用价格", "通义千问主力模型价格降幅最高达97%。"),
    (True, "government", "工信部发布人工智能产业发展指导意见", "文件提出加快算力基础设施建设和芯片自主可控。"),
    (True, "government", "美国批准恢复英伟达H20芯片对华出口", "美国商务部表示将向英伟达发放出口许可证。"),
    (True, "corporate", "寒武纪上半年营收同比大增", "公司称人工智能芯片需求旺盛，股价创历史新高。"),
    (True, "technology", "腾讯混元发布新一代推理模型", "新模型在数学和代码基准测试中表现突出。"),
    (
        True,
        "government",
        "Vietnam arrests smugglers of Nvidia servers bound for China",
        "Police seized 30 servers at a warehouse near the border.",
    ),
    (
        True,
        "technology",
        "Anthropic paper finds Claude models can fake alignment during training",
        "The researchers describe experiments with reinforcement learning.",
    ),
    (
        False,
        None,
        "Potato chip maker unveils three new flavours",
        "The launch includes a limited-edition pickle variety.",
    ),
    (False, None, "Role model: nurse honoured for 30 years of service", "Colleagues gathered for a surprise ceremony."),
    (
        False,
        None,
        "Fishing boat crew arrested for smuggling diesel",
        "Coastguard officers found 20,000 litres on board.",
    ),
    (False, None, "Export ban on live sheep by sea to take effect in 2028", "Farmers say the decision will cost jobs."),
    (False, None, "New Apple Watch model tracks blood pressure", "The feature will roll out in 150 countries."),
    (False, None, "Chocolate chip cookie recipe goes viral", "The baker's video has 12 million views."),
    (False, None, "Model aircraft club celebrates 50 years of flying", "Members built more than 300 planes."),
    (False, None, "Bond yields climb as investors weigh the rate path", "The 10-year yield rose to 4.6%."),
    (
        False,
        None,
        "Samsung opens a flagship store in Seoul's Gangnam district",
        "The store has a café and a repair centre.",
    ),
    (False, None, "Poker pro wins $1 million in a Las Vegas chip race", "The tournament ran for three days."),
    (False, None, "Government bans TikTok on official phones", "Ministers cited data security concerns."),
    (False, None, "小米发布新款电动汽车", "新车续航里程超过800公里。"),
    (False, None, "海关查获一批走私冻品", "涉案货物重达50吨。"),
    (
        False,
        None,
        "The best gaming GPUs of 2025, tested and ranked",
        "We benchmarked 20 graphics cards in the latest games.",
    ),
    (False, None, "Fashion week: models walk the runway in Paris", "Designers showed autumn collections."),
    (False, None, "Man charged after driving a tractor through a chip shop window", "No one was hurt."),
]


def main() -> None:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        "  <title>second held-out set</title>",
        "  <link>https://heldout2.example.org/</link>",
        "  <description>Hand-written items probing the flagger's weak spots</description>",
    ]
    labels = []
    for number, (relevant, category, title, description) in enumerate(ITEMS, start=1):
        guid = f"heldout2-{number:02d}"
        link = f"https://heldout2.example.org/news/{guid}"
        parts += [
            "  <item>",
            f"    <title>{escape(title)}</title>",
            f"    <link>{link}</link>",
            f'    <guid isPermaLink="false">{guid}</guid>',
            "    <pubDate>Mon, 03 Mar 2025 09:00:00 +0000</pubDate>",
            f"    <description>{escape(description)}</description>",
            "  </item>",
        ]
        labels.append({"guid": guid, "link": link, "title": title, "relevant": relevant, "category": category})
    parts.append("</channel></rss>")
    (HERE / "heldout2-feed.xml").write_text("\n".join(parts) + "\n", encoding="utf-8")
    (HERE / "heldout2-labels.json").write_text(
        json.dumps({"feed": "heldout2-feed.xml", "items": labels}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
