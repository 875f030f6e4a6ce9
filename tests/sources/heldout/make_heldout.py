# ruff: noqa: E501
"""Writes heldout-feed.xml and heldout-labels.json from the items below (run once; both files are committed).

The items were written by hand for this purpose before the default watch-list was tuned, with wording,
companies and agencies that the development set does not use, some items in Chinese, and false friends.
"""

import json
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent

# (relevant, category or None, title, description, pubDate)
ITEMS = [
    (
        True,
        "government",
        "Japan adds 23 chipmaking tools to its export restriction list",
        "The Ministry of Economy, Trade and Industry said the curbs on advanced lithography and etching equipment "
        "take effect on July 23, 2023.",
        "Fri, 31 Mar 2023 09:00:00 +0900",
    ),
    (
        True,
        "government",
        "美国商务部将数十家中国实体列入实体清单",
        "美国商务部工业与安全局周一宣布，将包括多家人工智能芯片企业在内的中国实体列入实体清单。",
        "Tue, 26 Mar 2024 02:00:00 +0000",
    ),
    (
        True,
        "government",
        "Treasury sanctions procurement network that supplied Western microelectronics to Russian arms makers",
        "OFAC designated 12 companies accused of shipping semiconductors and integrated circuits through third countries.",
        "Wed, 12 Jun 2024 15:00:00 +0000",
    ),
    (
        True,
        "government",
        "Two Chinese nationals arrested in California over alleged scheme to ship AI chips to China",
        "The Justice Department said the pair exported tens of millions of dollars' worth of Nvidia GPUs without a licence.",
        "Tue, 05 Aug 2025 18:00:00 +0000",
    ),
    (
        True,
        "government",
        "中国宣布对镓、锗相关物项实施出口管制",
        "商务部和海关总署发布公告，自2023年8月1日起对镓、锗相关物项实施出口管制。",
        "Mon, 03 Jul 2023 10:00:00 +0800",
    ),
    (
        True,
        "government",
        "European Commission proposes screening of outbound investment in chips and artificial intelligence",
        "The proposal would require member states to review investments by EU firms in advanced semiconductors, AI and quantum technology abroad.",
        "Wed, 24 Jan 2024 11:00:00 +0100",
    ),
    (
        True,
        "government",
        "Taiwan prosecutors raid firms suspected of poaching TSMC engineers for mainland rivals",
        "Investigators questioned dozens of people in a probe into illegal recruitment of semiconductor talent.",
        "Thu, 09 May 2024 08:00:00 +0800",
    ),
    (
        True,
        "government",
        "President signs executive order setting safety standards for frontier AI models",
        "Developers of the most powerful systems must share safety test results with the government.",
        "Mon, 30 Oct 2023 16:00:00 -0400",
    ),
    (
        True,
        "technology",
        "Zhipu AI open-sources its GLM-4 model family",
        "The Beijing start-up published weights for the 9-billion-parameter version under a permissive licence.",
        "Wed, 05 Jun 2024 06:00:00 +0000",
    ),
    (
        True,
        "technology",
        "阿里巴巴发布通义千问新一代大模型",
        "阿里云发布通义千问2.5，称其在多项基准测试中的表现超过同类开源模型。",
        "Thu, 09 May 2024 12:00:00 +0800",
    ),
    (
        True,
        "technology",
        "SK Hynix begins mass production of 12-layer HBM3E memory",
        "The South Korean chipmaker will supply the high-bandwidth memory stacks for AI accelerators by year end.",
        "Thu, 26 Sep 2024 01:00:00 +0000",
    ),
    (
        True,
        "technology",
        "TSMC starts trial production of 2-nanometre chips at Hsinchu fab",
        "The foundry said yields on the N2 process were ahead of plan.",
        "Tue, 15 Oct 2024 03:00:00 +0000",
    ),
    (
        True,
        "technology",
        "Tsinghua researchers describe training a trillion-parameter model on domestic accelerators",
        "The preprint reports a training run on 10,000 home-grown AI processors with an efficiency close to Nvidia hardware.",
        "Fri, 18 Apr 2025 09:00:00 +0000",
    ),
    (
        True,
        "technology",
        "Mistral unveils large language model that tops open benchmarks",
        "The Paris-based company said its new mixture-of-experts system beats larger rivals on reasoning and coding tests.",
        "Wed, 17 Apr 2024 10:00:00 +0200",
    ),
    (
        True,
        "technology",
        "Huawei's Ascend 910C accelerator enters volume shipments",
        "Chinese customers are receiving the processor, which pairs two 910B dies and is produced on SMIC's N+2 node.",
        "Mon, 03 Feb 2025 07:00:00 +0000",
    ),
    (
        True,
        "technology",
        "华为发布搭载麒麟芯片的新款手机",
        "分析人士称，该芯片采用中芯国际的7纳米工艺制造。",
        "Tue, 29 Aug 2023 10:00:00 +0800",
    ),
    (
        True,
        "corporate",
        "Cambricon shares surge 20% as AI chip orders pour in",
        "The Chinese chip designer's stock hit a record after it reported its first quarterly profit.",
        "Thu, 17 Apr 2025 07:30:00 +0000",
    ),
    (
        True,
        "corporate",
        "Anthropic raises $4 billion from Amazon in expanded partnership",
        "The AI start-up will use Amazon's Trainium chips to train its future models.",
        "Fri, 22 Nov 2024 20:00:00 +0000",
    ),
    (
        True,
        "corporate",
        "Micron commits $100 billion to a memory fab complex in New York",
        "The memory chipmaker said the investment over 20 years would create 9,000 jobs.",
        "Tue, 04 Oct 2022 14:00:00 +0000",
    ),
    (
        True,
        "corporate",
        "字节跳动成立新的人工智能大模型研究团队",
        "知情人士称，新团队将专注于基础大模型研发，并从谷歌和阿里巴巴招募研究人员。",
        "Wed, 14 Feb 2024 09:00:00 +0800",
    ),
    (
        True,
        "gpu_acquisition",
        "xAI brings its 100,000-GPU Colossus supercomputer online in Memphis",
        "The cluster of Nvidia H100 processors was assembled in 122 days, the company said.",
        "Tue, 03 Sep 2024 17:00:00 +0000",
    ),
    (
        True,
        "gpu_acquisition",
        "Tencent stockpiled Nvidia H800 chips before the US ban, executives say",
        "The company said its inventory of processors was enough to train several generations of its Hunyuan models.",
        "Thu, 16 Nov 2023 04:00:00 +0000",
    ),
    (
        True,
        "gpu_acquisition",
        "Chinese firms obtained restricted Nvidia chips through resellers in Southeast Asia, report says",
        "Servers with banned accelerators were routed through distributors in Malaysia and Thailand.",
        "Mon, 24 Feb 2025 06:00:00 +0000",
    ),
    (
        True,
        "gpu_acquisition",
        "字节跳动今年计划采购大量英伟达GPU",
        "据报道，字节跳动计划今年在人工智能基础设施上投入巨资，其中大部分用于购买英伟达H20芯片。",
        "Mon, 06 Jan 2025 08:00:00 +0800",
    ),
    (
        False,
        None,
        "Fish and chip shop named the best in the county",
        "The family-run business has fried cod and chips on the seafront since 1962.",
        "Sat, 14 Sep 2024 09:00:00 +0000",
    ),
    (
        False,
        None,
        "Top fashion model launches her own clothing line",
        "The collection of 40 pieces will be sold online from next month.",
        "Mon, 10 Mar 2025 10:00:00 +0000",
    ),
    (
        False,
        None,
        "Government extends export controls on wheat and rice amid drought",
        "The ban on grain exports will stay in place until the next harvest, the agriculture ministry said.",
        "Wed, 20 Jul 2022 08:00:00 +0000",
    ),
    (
        False,
        None,
        "Customs officers seize 2 million smuggled cigarettes at the port",
        "Two lorry drivers were arrested and charged with smuggling, the agency said.",
        "Tue, 11 Feb 2025 12:00:00 +0000",
    ),
    (
        False,
        None,
        "Man arrested after stealing 300 bags of potato chips from warehouse",
        "Police said the suspect was caught on camera loading the snacks into a van.",
        "Fri, 07 Jun 2024 18:00:00 +0000",
    ),
    (
        False,
        None,
        "Blue-chip stocks rally as inflation cools",
        "The Dow closed at a record as investors bet on interest-rate cuts.",
        "Thu, 12 Dec 2024 21:00:00 +0000",
    ),
    (
        False,
        None,
        "Model train exhibition opens at the city museum",
        "More than 200 locomotives are on display, including a working steam model.",
        "Sat, 02 Nov 2024 10:00:00 +0000",
    ),
    (
        False,
        None,
        "Poker champion walks away with $2 million in chips",
        "The final table lasted eleven hours.",
        "Mon, 15 Jul 2024 05:00:00 +0000",
    ),
    (
        False,
        None,
        "Bakery recalls chocolate chip cookies over allergen labelling",
        "The cookies may contain traces of peanuts not listed on the packet.",
        "Wed, 19 Mar 2025 13:00:00 +0000",
    ),
    (
        False,
        None,
        "中国队在世界杯预选赛中获胜",
        "球队在主场以二比零击败对手，保留了出线希望。",
        "Tue, 10 Sep 2024 22:00:00 +0800",
    ),
    (
        False,
        None,
        "北京春节庙会游客人数创新高",
        "今年春节期间，北京各大庙会共接待游客超过五百万人次。",
        "Fri, 16 Feb 2024 18:00:00 +0800",
    ),
    (
        False,
        None,
        "Police charge gang with smuggling exotic birds across the border",
        "Officers found 80 parrots hidden in suitcases.",
        "Thu, 23 Jan 2025 11:00:00 +0000",
    ),
    (
        False,
        None,
        "Carmaker launches new electric SUV model with longer range",
        "The vehicle can travel 600 km on a single charge and goes on sale in the spring.",
        "Tue, 08 Oct 2024 09:00:00 +0000",
    ),
    (
        False,
        None,
        "Review: the best graphics cards for gaming this year",
        "We tested twelve GPUs from Nvidia and AMD on the latest games to find the best value.",
        "Sun, 01 Dec 2024 12:00:00 +0000",
    ),
    (
        False,
        None,
        "Dairy export controls lifted after trade deal",
        "Farmers welcomed the end of the restrictions on milk powder.",
        "Fri, 28 Feb 2025 09:00:00 +0000",
    ),
    (
        False,
        None,
        "Hospital opens new wing for children's cancer care",
        "The wing has 40 beds and a rooftop garden.",
        "Mon, 13 Jan 2025 09:00:00 +0000",
    ),
]


def main() -> None:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        "  <title>held-out labelled news</title>",
        "  <link>https://heldout.example.org/</link>",
        "  <description>Hand-written items for measuring candidate flagging on unseen wording</description>",
    ]
    labels = []
    for number, (relevant, category, title, description, date) in enumerate(ITEMS, start=1):
        guid = f"heldout-{number:02d}"
        link = f"https://heldout.example.org/news/{guid}"
        parts += [
            "  <item>",
            f"    <title>{escape(title)}</title>",
            f"    <link>{link}</link>",
            f'    <guid isPermaLink="false">{guid}</guid>',
            f"    <pubDate>{date}</pubDate>",
            f"    <description>{escape(description)}</description>",
            "  </item>",
        ]
        labels.append({"guid": guid, "link": link, "title": title, "relevant": relevant, "category": category})
    parts.append("</channel></rss>")
    (HERE / "heldout-feed.xml").write_text("\n".join(parts) + "\n", encoding="utf-8")
    (HERE / "heldout-labels.json").write_text(
        json.dumps({"feed": "heldout-feed.xml", "items": labels}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
