"""The default watch-list: entities, domain vocabulary, actions and false friends, seeded by a data migration.

Written for the domain (semiconductors, AI models, export controls, sanctions, fabs, lithography, HBM,
GPUs, arrests and smuggling of chips), not for any one feed. Analysts edit the live copy in the admin;
editing this module changes only fresh databases (the seeding is idempotent by name, so a later data
migration may call it again to add new defaults without touching rules analysts changed).

Pattern syntax: regular expressions compiled with IGNORECASE and ASCII (so \\b treats Chinese characters as
boundaries: "英伟达GPU" still matches \\bGPU\\b). Alias syntax: see WatchEntity.aliases.
"""

from __future__ import annotations

from typing import Any

GOV = "government"
TECH = "technology"
CORP = "corporate"
GPU = "gpu_acquisition"


def _entity(
    name: str, aliases: str, weight: float = 2.0, entity_type: str = "company", *, government: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "aliases": "\n".join(alias.strip() for alias in aliases.split("|") if alias.strip()),
        "weight": weight,
        "entity_type": entity_type,
        "is_government": government,
    }


ENTITIES: list[dict[str, Any]] = [
    # AI labs and their models
    _entity("DeepSeek", "深度求索|DeepSeek AI|DeepSeek-R1|DeepSeek-V3|DeepSeek-V2"),
    _entity("High-Flyer", "High-Flyer Capital Management|幻方量化|幻方"),
    _entity("Liang Wenfeng", "梁文锋", 1.5, "person"),
    _entity("OpenAI", "ChatGPT|GPT-4|GPT-4o|GPT-5|=o1|=o3|Sam Altman|奥特曼"),
    _entity("Anthropic", "=Claude|Claude 3|Dario Amodei"),
    _entity("Google", "谷歌|Alphabet", 1.0),
    _entity("Google DeepMind", "DeepMind|=Gemini|=Gemma|=TPU|Ironwood TPU", 2.0),
    _entity("Microsoft", "微软", 1.0),
    _entity("Meta", "=Meta|Meta Platforms|Facebook parent", 1.0),
    _entity("Meta AI", "=Llama|Meta Superintelligence Labs", 2.0),
    _entity("Amazon", "=Amazon|亚马逊|AWS|Amazon Web Services", 1.0),
    _entity("AWS Trainium", "=Trainium|=Inferentia", 2.0, "product"),
    _entity("xAI", "=xAI|=Grok", 2.0),
    _entity("Mistral AI", "=Mistral", 1.5),
    _entity("Alibaba", "阿里巴巴|Alibaba Group|Alibaba Cloud|阿里云|=Qwen|=QwQ|通义千问|通义", 1.5),
    _entity("Baidu", "百度|=ERNIE|文心一言|文心", 1.5),
    _entity("Tencent", "腾讯|=Hunyuan|混元", 1.5),
    _entity("ByteDance", "字节跳动|=Doubao|豆包", 1.5),
    _entity("Moonshot AI", "月之暗面|=Kimi", 2.0),
    _entity("Zhipu AI", "Zhipu|智谱|智谱AI|=GLM|ChatGLM", 2.0),
    _entity("MiniMax", "=MiniMax|稀宇科技", 2.0),
    _entity("01.AI", "零一万物|=Yi-Lightning", 2.0),
    _entity("Baichuan", "百川智能|Baichuan AI", 2.0),
    _entity("StepFun", "阶跃星辰", 2.0),
    _entity("iFlytek", "科大讯飞|=Spark model", 1.5),
    _entity("SenseTime", "商汤|商汤科技", 1.5),
    _entity("SemiAnalysis", "", 1.5),
    # Chips, equipment, memory, servers
    _entity("Nvidia", "NVIDIA Corporation|英伟达|Jensen Huang|黄仁勋|=CUDA|=GTC"),
    _entity("Nvidia A100", "=A100", 2.0, "product"),
    _entity("Nvidia H100", "=H100|=H200", 2.0, "product"),
    _entity("Nvidia A800", "=A800", 2.0, "product"),
    _entity("Nvidia H800", "=H800", 2.0, "product"),
    _entity("Nvidia H20", "=H20", 2.0, "product"),
    _entity("Nvidia Blackwell", "=Blackwell|=B200|=B100|=GB200|=B30A", 2.0, "product"),
    _entity("Nvidia Hopper", "=Hopper", 2.0, "product"),
    _entity("AMD", "Advanced Micro Devices|超威|=MI300|=MI308|=Instinct", 2.0),
    _entity("Intel", "=Intel|英特尔|=Gaudi", 2.0),
    _entity("TSMC", "Taiwan Semiconductor Manufacturing Company|Taiwan Semiconductor|台积电"),
    _entity("Samsung", "Samsung Electronics|三星|삼성전자", 1.5),
    _entity("SK Hynix", "SK hynix|Hynix|SK海力士|海力士"),
    _entity("Micron", "=Micron|Micron Technology|美光"),
    _entity("SMIC", "Semiconductor Manufacturing International Corporation|中芯国际|中芯"),
    _entity("Hua Hong", "Hua Hong Semiconductor|华虹"),
    _entity("YMTC", "Yangtze Memory|Yangtze Memory Technologies|长江存储"),
    _entity("CXMT", "ChangXin Memory|ChangXin Memory Technologies|长鑫存储|长鑫"),
    _entity("XMC", "Wuhan Xinxin|武汉新芯"),
    _entity("SiEn", "芯恩"),
    _entity("Pensun", "芯新"),
    _entity("Huawei", "Huawei Technologies|华为|HiSilicon|海思|=Ascend|昇腾|=Kirin|麒麟|Mate 60|Mate 60 Pro|=Pura"),
    _entity("Ren Zhengfei", "任正非", 1.5, "person"),
    _entity("Cambricon", "寒武纪"),
    _entity("Biren", "Biren Technology|壁仞"),
    _entity("Moore Threads", "摩尔线程"),
    _entity("Hygon", "海光"),
    _entity("ASML", "ASML Holding|阿斯麦"),
    _entity("Applied Materials", "应用材料"),
    _entity("Lam Research", "泛林"),
    _entity("KLA", "=KLA|科磊"),
    _entity("Tokyo Electron", "东京电子"),
    _entity("Naura", "北方华创"),
    _entity("AMEC", "=AMEC|中微公司"),
    _entity("Arm", "=Arm|Arm Holdings"),
    _entity("Qualcomm", "高通", 1.5),
    _entity("Broadcom", "博通", 1.5),
    _entity("Marvell", "", 1.5),
    _entity("MediaTek", "联发科", 1.5),
    _entity("GlobalFoundries", "格芯", 2.0),
    _entity("UMC", "=UMC|United Microelectronics|联电", 2.0),
    _entity("Rapidus", "", 2.0),
    _entity("Supermicro", "Super Micro|Super Micro Computer", 2.0),
    _entity("Inspur", "浪潮", 1.5),
    _entity("Sugon", "中科曙光|曙光", 1.5),
    _entity("CoreWeave", "", 2.0),
    _entity("Oracle", "=Oracle|甲骨文", 1.0),
    _entity("SoftBank", "软银", 1.0),
    _entity("Foxconn", "富士康|Hon Hai", 1.0),
    # Governments and agencies (a government acting makes a development a government one)
    _entity(
        "Bureau of Industry and Security",
        "=BIS|美国商务部工业与安全局|工业与安全局|工业和安全局",
        2.0,
        "agency",
        government=True,
    ),
    _entity(
        "U.S. Department of Commerce",
        "Commerce Department|Department of Commerce|=Commerce|美国商务部|Gina Raimondo|Howard Lutnick",
        1.5,
        "agency",
        government=True,
    ),
    _entity(
        "China's Ministry of Commerce", "=MOFCOM|Ministry of Commerce|中国商务部|商务部", 1.5, "agency", government=True
    ),
    _entity("General Administration of Customs", "海关总署", 1.0, "agency", government=True),
    _entity("Cyberspace Administration of China", "=CAC|网信办|国家互联网信息办公室", 1.0, "agency", government=True),
    _entity(
        "MIIT",
        "=MIIT|Ministry of Industry and Information Technology|工业和信息化部|工信部",
        1.0,
        "agency",
        government=True,
    ),
    _entity(
        "SAMR",
        "=SAMR|State Administration for Market Regulation|市场监管总局|国家市场监督管理总局",
        0.5,
        "agency",
        government=True,
    ),
    _entity(
        "U.S. Department of Justice",
        "Justice Department|Department of Justice|=DOJ|Attorney General|=FBI|美国司法部",
        0.5,
        "agency",
        government=True,
    ),
    _entity(
        "U.S. Treasury",
        "=Treasury Department|=OFAC|Office of Foreign Assets Control|美国财政部",
        0.5,
        "agency",
        government=True,
    ),
    _entity("White House", "白宫|=Oval Office", 0.5, "government", government=True),
    _entity("U.S. Congress", "=Congress|=Senate|House of Representatives|美国国会", 0.5, "government", government=True),
    _entity("Xi Jinping", "习近平|=President Xi", 0.5, "person", government=True),
    _entity("Li Qiang", "李强|=Premier Li", 0.5, "person", government=True),
    _entity("Donald Trump", "=Trump|特朗普", 0.5, "person", government=True),
    _entity("Joe Biden", "=Biden|拜登", 0.5, "person", government=True),
    _entity("Japan's METI", "=METI|Ministry of Economy, Trade and Industry|经济产业省", 1.0, "agency", government=True),
    _entity("Government of the Netherlands", "Dutch government|荷兰政府", 0.5, "government", government=True),
    _entity("European Commission", "=EU Commission|欧盟委员会|欧委会", 0.5, "government", government=True),
    _entity(
        "Government of Singapore", "Singaporean government|Singapore authorities", 0.5, "government", government=True
    ),
]

_LAUNCH = r"(?:launch|releas|unveil|debut|introduc|roll(?:s|ed|ing)? out|open-?sourc|publish|announc|upgrad|reveal|show(?:s|ed|cas)|preview)\w*"  # noqa: E501
_GPU_NOUNS = r"(?:GPUs?|graphics processing units?|AI chips?|accelerators?|H\d{2,3}s?|A\d{3}s?|B\d{3}s?|GB\d{3}s?|Hopper|Blackwell|Ascend(?: \d{3}[A-Z]?)?|MI\d{3}X?|chips|servers|supercomputers?)"  # noqa: E501


def _pattern(name: str, role: str, pattern: str, weight: float, kind: str = "", category: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "role": role,
        "pattern": pattern,
        "is_regex": True,
        "weight": weight,
        "kind": kind,
        "category": category,
    }


PATTERNS: list[dict[str, Any]] = [
    # --- domain vocabulary (topic): is this about chips, compute or AI at all? -------------------------------
    _pattern(
        "semiconductor industry",
        "topic",
        r"\bsemiconductors?\b|\bchip-?mak\w*|\bchip ?(?:designers?|firms?|compan(?:y|ies)|industry|sector|stocks?"
        r"|equipment|tools?|production|supply|exports?|sales|rules?|curbs?|controls?|bans?|war|plants?|factory)\b"
        r"|\bmicrochips?\b|\bmicroelectronics\b|\bintegrated circuits?\b|\bfoundr(?:y|ies)\b|\bwafers?\b"
        r"|\blithograph\w*|\bEUV\b|\bDUV\b|\bscanners?\b|\bphotoresists?\b|\betch(?:ing)?\b|\bdeposition tools?\b"
        r"|\bfabs?\b|\bfabrication plants?\b|\bchip packaging\b|\bchiplets?\b",
        1.5,
    ),
    _pattern("chips", "topic", r"\bchips?\b|\bprocessors?\b|\bCPUs?\b|\bSoCs?\b|\bsilicon\b", 1.0),
    _pattern(
        "compute hardware",
        "topic",
        r"\bGPUs?\b|\bgraphics processing units?\b|\bAI (?:chips?|accelerators?|processors?|servers?|hardware"
        r"|compute|computing|infrastructure|supercomputers?|clusters?|data cent(?:er|re)s?)\b|\baccelerators?\b"
        r"|\bTPUs?\b|\bNPUs?\b|\bsupercomput\w+|\bdata cent(?:er|re)s?\b|\bcomputing power\b|\bcompute\b"
        r"|\bHBM\w*|\bhigh[- ]bandwidth memory\b|\bDRAM\b|\bNAND\b|\bmemory chips?\b|\bGPU servers?\b",
        1.5,
    ),
    _pattern(
        "process technology",
        "topic",
        r"\b\d{1,2} ?-?(?:nm|nanomet(?:er|re)s?)\b|\bN\+\d\b|\b(?:process|manufacturing) (?:node|technology)\b"
        r"|\bgate-all-around\b|\badvanced (?:logic|packaging|nodes?|computing)\b|\bleading-edge\b|\bCoWoS\b",
        1.5,
    ),
    _pattern(
        "AI vocabulary",
        "topic",
        r"\bartificial intelligence\b|\bAGI\b|\bmachine learning\b|\bdeep learning\b|\bneural networks?\b"
        r"|\blarge language models?\b|\bLLMs?\b|\bfoundation models?\b|\bgenerative AI\b|\bgenAI\b|\bchatbots?\b"
        r"|\bAI (?:models?|labs?|assistants?|agents?|start-?ups?|firms?|compan(?:y|ies)|systems?|safety|race)\b"
        r"|\breasoning models?\b|\bmixture[- ]of[- ]experts\b|\bopen[- ]weights?\b|\bmodel weights\b"
        r"|\b\d+(?:\.\d+)? ?[BT]-?parameters?\b|\b(?:billion|trillion)[- ]parameters?\b|\btraining runs?\b"
        r"|\bfrontier (?:AI|models?)\b|\btransformer models?\b|\bmultimodal\b|\binference\b|\bagentic\b"
        r"|\b(?:sparse|latent|linear|multi-head|self-)attention\b|\blong-context\b|\bcontext windows?\b"
        r"|\b(?:pre|post)-?training\b|\breinforcement learning\b|\bdistillation\b|\bfine-?tun\w+",
        1.5,
    ),
    _pattern("AI", "topic", r"(?-i:\bAI\b)|\bA\.I\.", 1.0),
    _pattern(
        "export-control vocabulary",
        "topic",
        r"\bexport[- ]controls?\b|\bexport (?:restrictions?|curbs?|bans?|licen[cs]\w*)\b|\bentity list\b"
        r"|\bforeign direct product rule\b|\bFDPR\b|\bunverified list\b|\bdual-use\b",
        1.0,
    ),
    _pattern("critical minerals for chips", "topic", r"\bgallium\b|\bgermanium\b|\bantimony\b|\brare earths?\b", 1.0),
    _pattern(
        "Chinese domain vocabulary",
        "topic",
        r"芯片|半导体|集成电路|光刻|晶圆|人工智能|大模型|大语言模型|算力|高带宽内存|推理模型|智能体|显卡|GPU|加速卡"
        r"|超级计算|数据中心|存储芯片|处理器|制程|纳米|镓|锗|稀土|出口管制|实体清单",
        1.5,
    ),
    # --- actions: government ----------------------------------------------------------------------------------
    _pattern(
        "export controls",
        "action",
        r"\bexport[- ]controls?\b|\bexport (?:restrictions?|curbs?|bans?|licen[cs]e requirements?|licen[cs]es?"
        r"|licensing|rules?|limits?)\b|\brestrict\w* (?:the )?(?:exports?|sales|shipments)\b"
        r"|\b(?:exports?|sales|shipments) (?:of|to) [^.;]{0,40}\b(?:restricted|banned|blocked|curbed)\b",
        3.0,
        "rule_release",
        GOV,
    ),
    _pattern(
        "Entity List",
        "action",
        r"\bentity list\b|\bunverified list\b|\bblacklist\w*|\bmilitary end-users?\b|\bforeign direct product\b"
        r"|\bFDPR\b",
        3.0,
        "rule_release",
        GOV,
    ),
    _pattern(
        "control rules",
        "action",
        r"\binterim final rules?\b|\bfinal rules?\b|\bdiffusion (?:rule|framework)\b|\b(?:new|sweeping|tighter"
        r"|tougher|stricter|updated|revised|expanded|latest) (?:package of )?(?:rules?|restrictions?|curbs?"
        r"|controls?|limits?|regulations?)\b|\bpackage of (?:controls|restrictions|rules|curbs)\b",
        2.5,
        "rule_release",
        GOV,
    ),
    _pattern(
        "restricting",
        "action",
        r"\btighten\w*|\brestrict(?:s|ed|ing|ions?)?\b|\bcurb(?:s|ed|ing)?\b|\bloopholes?\b|\bclamp\w* down\b"
        r"|\bcrack\w* down\b|\bban(?:s|ned|ning)?\b|\bprohibit\w*|\bblock(?:s|ed|ing)?\b|\bpresumption of denial\b"
        r"|\blicen[cs]e requirements?\b|\brequire\w* (?:a )?(?:national )?licen[cs]es?\b",
        1.5,
        "rule_release",
        GOV,
    ),
    _pattern("rules", "action", r"\brules?\b|\bregulations?\b|\bthresholds?\b|\bcontrols\b", 1.5, "rule_release", GOV),
    _pattern(
        "policy and law",
        "action",
        r"\bregulat(?:ory|ors?|es|ed)\b|\bguidelines\b|\bguidance\b|\bdraft (?:rules|law|measures)\b"
        r"|\blegislation\b|\b(?:bill|act|law) (?:passe[sd]|signed|introduced|approved)\b|\blawmakers\b"
        r"|\bsenators?\b|\bcongressional\b|\bparliament\b|\bmemo(?:randum)?\b|\bnational security\b"
        r"|\bframework\b|\baction plan\b|\bwhite paper\b|\btariffs?\b|\bsubsid(?:y|ies|ise|ize)\w*"
        r"|\bCHIPS Act\b|\bscreening\b|\boutbound investment\b|\bdisbands?\b|\bministry\b|\bministers?\b",
        1.5,
        "policy_statement",
        GOV,
    ),
    _pattern(
        "executive orders",
        "action",
        r"\bexecutive orders?\b|\bpresidential (?:order|memorandum|directive)s?\b",
        3.0,
        "policy_statement",
        GOV,
    ),
    _pattern(
        "sanctions",
        "action",
        r"\bsanction(?:s|ed|ing)?\b|\basset freezes?\b|\bdesignat(?:es|ed|ion)\b",
        2.5,
        "enforcement_action",
        GOV,
    ),
    _pattern(
        "investigations",
        "action",
        r"\b(?:antitrust|anti-?monopoly|anti-?dumping|anti-?subsidy|national security|security|cybersecurity)"
        r" (?:probe|investigation|review|inquiry)s?\b|\bprobe[sd]?\b|\binvestigat(?:es|ed|ing|ions?)\b"
        r"|\binquiry\b|\braid(?:s|ed)?\b|\bsubpoena\w*|\bfined\b|\bfines? of\b|\bpenalt(?:y|ies)\b"
        r"|\bantitrust\b|\banti-?monopoly\b|\benforcement\b|\bviolat(?:ed|ion|ions|ing)\b",
        2.0,
        "enforcement_action",
        GOV,
    ),
    _pattern("indictments", "action", r"\bindict(?:s|ed|ment|ments)?\b|\bgrand jury\b", 3.0, "indictment", GOV),
    _pattern(
        "arrests and charges",
        "action",
        r"\barrest(?:s|ed|ing)?\b|\bdetain(?:s|ed)?\b|\bcharg(?:es|ed|ing) (?:\w+ ){0,4}(?:with|over|for|in)\b"
        r"|\b(?:criminal|federal|espionage|fraud|smuggling|export) charges\b"
        r"|\bcharges (?:two|three|four|five|six|\d+|several|\w+ (?:men|women|people|executives?|nationals?))\b"
        r"|\bcharged\b|\bextradit\w+|\bplead(?:s|ed)? guilty\b|\bpled guilty\b|\bconvicted\b|\bsentenced\b"
        r"|\bprosecut(?:ors?|ion|ed|es)\b|\bespionage\b|\bcourt\b",
        4.0,
        "arrest_or_charge",
        GOV,
    ),
    _pattern(
        "government actor",
        "action",
        r"^(?:the )?(?:U\.?S\.?|United States|America|Washington|China|Beijing|Japan|Tokyo|(?:the )?Netherlands"
        r"|Dutch|Taiwan|Taipei|South Korea|Seoul|Singapore|Malaysia|India|EU|European Union|Brussels|UK|Britain"
        r"|Germany|France|Italy|Russia|President|Premier|Prime Minister|Lawmakers|Regulators|Prosecutors"
        r"|Police|Authorities|Officials|(?:the )?(?:\w+ )?(?:government|ministry|regulator|parliament))\b"
        r"(?!['\u2019]s)(?!-)",
        1.0,
        "policy_statement",
        GOV,
    ),
    _pattern(
        "meetings",
        "action",
        r"\bmeets?\b|\bmet with\b|\bmeeting\b|\bsymposium\b|\bsummit\b|\btalks\b|\bvisit(?:s|ed)?\b"
        r"|\bconvenes?\b|\bdialogue\b",
        1.5,
        "meeting",
        GOV,
    ),
    _pattern(
        "Chinese rule releases",
        "action",
        r"出口管制|出口限制|实体清单|管制措施|禁令|新规|禁止出口|限制出口|许可证",
        3.0,
        "rule_release",
        GOV,
    ),
    _pattern(
        "Chinese government actions",
        "action",
        r"制裁|反垄断|反倾销|立案调查|调查|处罚|罚款|公告|监管|约谈",
        2.0,
        "enforcement_action",
        GOV,
    ),
    _pattern(
        "Chinese policy documents",
        "action",
        r"指导意见|实施意见|行动计划|行动方案|管理办法|暂行办法|规划|条例|政策|规定|通知|白皮书",
        2.0,
        "policy_statement",
        GOV,
    ),
    _pattern(
        "Chinese arrests and charges",
        "action",
        r"起诉|逮捕|拘留|判处|被捕|指控|判刑|认罪",
        3.0,
        "arrest_or_charge",
        GOV,
    ),
    _pattern("Chinese meetings", "action", r"会见|座谈会|会谈|峰会|出席", 1.5, "meeting", GOV),
    # --- actions: GPU acquisition -----------------------------------------------------------------------------
    _pattern(
        "GPU counts",
        "action",
        r"\b(?:\d[\d,.]*(?: ?k| thousand| million)?|one|two|three|four|five|six|seven|eight|nine|ten|dozens"
        r"|hundreds|thousands|tens of thousands|hundreds of thousands|a million|one million|millions)[- ]"
        r"(?:of )?(?:(?:Nvidia|AMD|Huawei|Intel|advanced|AI|Hopper|Blackwell|Ascend|high-end|top-end|restricted"
        r"|banned|[A-Z]{1,2}\d{2,4}[A-Z]?) ){0,3}(?:GPUs?|graphics processing units|accelerators|AI chips|chips"
        r"|processors|superchips)\b",
        3.0,
        "gpu_acquisition",
        GPU,
    ),
    _pattern(
        "acquiring GPUs",
        "action",
        r"\b(?:buy|buys|bought|buying|purchas\w+|acquir\w+|obtain\w*|procur\w+|import\w*|rent\w*|leas\w+"
        r"|stockpil\w+|hoard\w*|amass\w*|secur(?:e|es|ed|ing)|access to|deploy\w*|install\w*|ship(?:s|ped)?"
        r"|deliver\w*|sell|sells|sold|selling)\b[^.;]{0,50}?\b" + _GPU_NOUNS + r"\b",
        2.5,
        "gpu_acquisition",
        GPU,
    ),
    _pattern(
        "stockpiles and orders",
        "action",
        r"\bstockpil\w+|\bhoard\w*|\bamass\w*|\b(?:big|large|bulk|huge|massive|additional|increased|significant)"
        r" orders?\b|\borders? for\b|\bincreased orders\b|\bplace[sd]? (?:\w+ ){0,2}orders?\b|\bGPU cluster\w*"
        r"|\bclusters? of\b[^.;]{0,30}\b(?:GPUs|chips|processors|accelerators)\b|\bcompute capacity\b",
        2.5,
        "gpu_acquisition",
        GPU,
    ),
    _pattern(
        "smuggling",
        "action",
        r"\bsmuggl\w+|\bdivert(?:ed|ing)?\b|\bdiversion\b|\btrans-?ship\w*|\bblack market\b|\bgr[ae]y market\b",
        2.5,
        "smuggling_case",
        GPU,
    ),
    _pattern(
        "diversion routes",
        "action",
        r"\brouted (?:\w+ ){0,3}through\b|\bshell compan(?:y|ies)\b|\bfront compan(?:y|ies)\b"
        r"|\bintermediar(?:y|ies)\b|\bresellers?\b|\bdistributors?\b|\bfalse (?:representations|end-users?"
        r"|destinations?)\b|\bfinal destination\b|\bend[- ]users?\b|\bfraud\b",
        1.5,
        "smuggling_case",
        GPU,
    ),
    _pattern(
        "Chinese GPU acquisition",
        "action",
        r"采购|囤积|囤货|订购|订单|抢购|进口|购买|万(?:块|张|颗|片)|算力集群|集群",
        2.5,
        "gpu_acquisition",
        GPU,
    ),
    _pattern("Chinese smuggling", "action", r"走私|转运|非法出口", 2.5, "smuggling_case", GPU),
    # --- actions: technology ----------------------------------------------------------------------------------
    _pattern(
        "model releases",
        "action",
        r"\b" + _LAUNCH + r"\b(?:[^.;:]|\.(?=\d)){0,60}?\b(?:models?|LLMs?|chatbots?|assistants?|agents?|GPT[-\w.]*"
        r"|reasoning)\b|\bmodels?\b[^.;]{0,40}\b(?:released|launched|unveiled|debuted|open-sourced"
        r"|goes live|went live|now available)\b",
        2.5,
        "model_launch",
        TECH,
    ),
    _pattern(
        "model vocabulary",
        "action",
        r"\b(?:reasoning|language|foundation|frontier|multimodal|open-?source|open-?weights?|video[- ]generation"
        r"|image[- ]generation|coding|AI) models?\b|\bLLMs?\b|\b\d+(?:\.\d+)? ?[BT]-?parameters?\b"
        r"|\b(?:billion|trillion)[- ]parameters?\b|\bmixture[- ]of[- ]experts\b|\bopen[- ]weights?\b"
        r"|\bbenchmarks?\b(?! (?:rate|index|interest|bond|price))|\bcontext window\b|\bfine-?tun\w+"
        r"|\bchain[- ]of[- ]thought\b",
        2.0,
        "model_launch",
        TECH,
    ),
    _pattern("open source", "action", r"\bopen-?sourc\w*|\bopen weights\b", 2.5, "model_launch", TECH),
    _pattern(
        "research",
        "action",
        r"\b(?:research )?papers?\b|\bpreprints?\b|\barxiv\b|\btechnical reports?\b|\bresearchers?\b"
        r"|\bpaper (?:proposes|describes|introduces|details)\b|\b(?:sparse|latent|linear|multi-head) attention\b"
        r"|\battention mechanism\b|\breinforcement learning\b|\bdistillation\b|\bpeer[- ]reviewed\b"
        r"|\bnew (?:method|technique|architecture|approach|algorithm)\b|\bNeurIPS\b|\bICML\b|\bICLR\b",
        2.0,
        "research_paper",
        TECH,
    ),
    _pattern(
        "chip launches",
        "action",
        r"\b"
        + _LAUNCH
        + r"\b(?:[^.;:]|\.(?=\d)){0,50}?\b(?:chips?|GPUs?|processors?|CPUs?|accelerators?|SoCs?|superchips?"
        r"|NPUs?|TPUs?|HBM\w*|DRAM|architecture)\b|\bnext-generation (?:chips?|GPUs?|processors?|accelerators?)\b"
        r"|\bnew (?:chips?|GPUs?|processors?|accelerators?|architecture)\b|\bpowered by\b",
        2.5,
        "chip_launch",
        TECH,
    ),
    _pattern(
        "process nodes",
        "action",
        r"\b\d{1,2} ?-?(?:nm|nanomet(?:er|re)s?)\b|\bN\+\d\b|\b(?:process|manufacturing) (?:node|technology)\b"
        r"|\bangstrom\b|\bgate-all-around\b|\bbackside power\b|\badvanced packaging\b|\bCoWoS\b",
        2.5,
        "fab_milestone",
        TECH,
    ),
    _pattern(
        "production milestones",
        "action",
        r"\b(?:mass|volume|trial|risk|pilot|commercial|full-scale) (?:production|shipments|manufacturing)\b"
        r"|\b(?:begins|starts|started|began|enters?|entered|ramps?|ramped|ramping) (?:\w+ ){0,2}(?:production"
        r"|manufacturing|shipments)\b|\btape[sd]?[- ]?out\b|\btaped out\b|\bbreaks? ground\b|\bnew fabs?\b"
        r"|\bfirst wafers?\b|\bproduction lines?\b|\bmanufactured (?:on|by|using)\b|\bmade by\b",
        2.5,
        "fab_milestone",
        TECH,
    ),
    _pattern("yield", "action", r"\byields?\b", 2.5, "fab_milestone", TECH),
    _pattern(
        "teardowns and breakthroughs",
        "action",
        r"\bteardowns?\b|\breverse[- ]engineer\w*|\bdomestically (?:made|produced|developed)\b|\bhome-?grown\b"
        r"|\bindigenous\b|\bself-?sufficien\w+|\bbreakthrough\b|\bprototype\b",
        1.5,
        "chip_launch",
        TECH,
    ),
    _pattern(
        "Chinese model releases",
        "action",
        r"(?:发布|推出|开源|上线|亮相|升级|公布)[^。，,]{0,20}(?:模型|智能体|推理)|开源|新(?:一代)?大?模型",
        2.5,
        "model_launch",
        TECH,
    ),
    _pattern(
        "Chinese chip launches",
        "action",
        r"(?:发布|推出|亮相|量产)[^。，,]{0,20}(?:芯片|处理器|GPU|显卡|加速卡|手机)|搭载",
        2.5,
        "chip_launch",
        TECH,
    ),
    _pattern(
        "Chinese fab milestones",
        "action",
        r"良率|量产|流片|\d+ ?纳米|制程|晶圆厂|投产|工艺",
        2.5,
        "fab_milestone",
        TECH,
    ),
    _pattern("Chinese research", "action", r"论文|技术报告|预印本|研究人员|研究成果", 2.0, "research_paper", TECH),
    # --- actions: corporate -----------------------------------------------------------------------------------
    _pattern(
        "share moves",
        "action",
        r"\b(?:shares?|stocks?|stock price|market value|market cap\w*|valuation)\b[^.;]{0,30}?\b(?:plung\w+"
        r"|plummet\w*|soar\w*|surg\w+|jump\w*|tumbl\w+|slump\w*|fell|fall\w*|drop\w*|rose|rise\w*|rall\w+|sink\w*"
        r"|sank|crash\w*|slid\w*|climb\w*|los[te]s?|record)\b|\b(?:wip\w+|eras\w+)\b[^.;]{0,40}\bmarket "
        r"(?:value|cap\w*)\b|\bsell-?off\b|\bmarket value\b|\bmarket cap(?:itali[sz]ation)?\b",
        2.5,
        "market_move",
        CORP,
    ),
    _pattern(
        "record results",
        "action",
        r"\breports? record\b|\brecord (?:revenue|profits?|sales|earnings|results|quarter)\b|\b(?:quarterly|annual"
        r"|first-quarter|second-quarter|third-quarter|fourth-quarter) (?:revenue|profits?|sales|earnings|results"
        r"|loss)\b",
        2.5,
        "market_move",
        CORP,
    ),
    _pattern(
        "results",
        "action",
        r"\brevenues?\b|\bearnings\b|\bprofits?\b|\bsales (?:rose|fell|grew|jumped)\b",
        1.5,
        "market_move",
        CORP,
    ),
    _pattern(
        "app charts",
        "action",
        r"\b(?:tops?|topped|overt(?:akes|ook|aken)|surpass\w*|climb\w*|No\.? ?1|number one|most[- ]downloaded"
        r"|top free)\b[^.;]{0,40}?\b(?:app stores?|download charts?|charts?|rankings?|downloads?)\b|\bapp store\b"
        r"|\bGoogle Play\b|\b(?:daily|monthly|weekly) active users\b",
        2.5,
        "market_move",
        CORP,
    ),
    _pattern(
        "funding",
        "action",
        r"\brais(?:es|ed|ing)\b[^.;]{0,30}?(?:\$|€|£|¥|US\$)? ?\d[\d.,]* ?(?:million|billion|bn|m)\b"
        r"|\bfunding rounds?\b|\bseries [A-F]\b|\bvalued at\b|\b(?:seed|venture) (?:round|funding|capital)\b"
        r"|\bIPO\b|\binitial public offering\b|\bgoes public\b",
        2.5,
        "investment",
        CORP,
    ),
    _pattern(
        "investment",
        "action",
        r"\binvest(?:s|ed|ing|ment|ments)?\b|\b(?:spend|spends|spending|commit\w*|pledg\w+|plough\w*|pour\w*)\b"
        r"[^.;]{0,40}?\b(?:billion|million|bn|trillion|yuan|dollars|euros)\b|\bcapital (?:expenditure|spending)\b"
        r"|\bcapex\b",
        2.0,
        "investment",
        CORP,
    ),
    _pattern(
        "deals",
        "action",
        r"\bacquir(?:es|ed|ing)\b|\bacquisition\b|\bmerger\b|\bmerg(?:es|ed|ing)\b|\btakeover\b|\bbuyout\b"
        r"|\bstake in\b|\bjoint venture\b|\bventure\b|\bpartnership\b|\bpartners? with\b|\bteams? up\b"
        r"|\balliance\b|\bdeal (?:with|to)\b|\bagreement with\b|\bcontract with\b|\bsigns? (?:a )?deal\b"
        r"|\bsupply (?:deal|agreement)\b",
        1.5,
        "investment",
        CORP,
    ),
    _pattern(
        "founding",
        "action",
        r"\bfound(?:s|ed|ing)\b|\bco-?found(?:s|ed|ing)\b|\bspin(?:s|ning)? (?:out|off)\b|\bspun (?:out|off)\b"
        r"|\bspin-?off\b|\bsets? up\b|\bestablish(?:es|ed)\b|\blaunch(?:es|ed)? (?:a |an )?(?:new )?(?:AI )?(?:lab"
        r"|unit|company|start-?up|subsidiary|division|venture|team)\b|\bnew (?:AI )?(?:lab|unit|company"
        r"|subsidiary|division|research (?:unit|lab|team))\b|\bincorporat\w+",
        2.5,
        "founding",
        CORP,
    ),
    _pattern(
        "service and security incidents",
        "action",
        r"\b(?:limits?|limited|suspend\w*|paus\w+|halt\w*|restrict\w*) (?:new )?(?:user )?(?:registrations?"
        r"|sign-?ups?|access|downloads?|service)\b|\b(?:cyber-?|malicious |DDoS )attacks?\b|\bcyberattacks?\b"
        r"|\boutages?\b|\bdata (?:breach|leak)\w*|\bhack(?:ed|ers?)\b",
        2.5,
        "corporate_move",
        CORP,
    ),
    _pattern(
        "people and organisation",
        "action",
        r"\blayoffs?\b|\bjob cuts\b|\bresign\w*|\bsteps? down\b|\bstepped down\b|\bappoint\w*"
        r"|\bnamed (?:as )?(?:chief|CEO|chair\w*|president)\b|\bhires?\b|\bpoach\w*|\brestructur\w+"
        r"|\breorgani[sz]\w+|\bnew (?:CEO|chief executive)\b|\bretir(?:es|ed|ing|ement)\b|\bousted\b"
        r"|\breplac(?:es|ed) (?:\w+ ){0,2}(?:CEO|chief executive|chair\w*)\b",
        2.0,
        "corporate_move",
        CORP,
    ),
    _pattern(
        "pricing",
        "action",
        r"\bprice (?:war|cuts?|hikes?)\b|\b(?:cuts?|slash\w*|lower\w*|raises?|rais(?:ed|ing)|halv\w+) (?:the )?"
        r"(?:price|prices|pricing)\b|\bprices? (?:to zero|by \d)|\bfree of charge\b",
        2.5,
        "market_move",
        CORP,
    ),
    _pattern(
        "intellectual property",
        "action",
        r"\bmisappropriat\w+|\btrade secrets?\b|\bproprietary (?:data|information|technology)\b|\bstole\b"
        r"|\btheft\b|\blawsuit\b|\bsues?\b|\bsued\b|\bpatents?\b",
        2.5,
        "corporate_move",
        CORP,
    ),
    _pattern(
        "Chinese market news",
        "action",
        r"股价|市值|暴跌|大涨|涨停|跌停|营收|利润|财报|下载量|榜首|排行榜|降价|价格战|下调[^。，,]{0,10}价格|免费开放",
        2.5,
        "market_move",
        CORP,
    ),
    _pattern(
        "Chinese corporate moves",
        "action",
        r"融资|估值|上市|收购|并购|辞职|任命|裁员|暂停注册|攻击|宕机",
        2.5,
        "corporate_move",
        CORP,
    ),
    _pattern("Chinese founding", "action", r"成立|创立|设立|组建|分拆", 2.5, "founding", CORP),
    _pattern("Chinese investment", "action", r"投资|亿元|亿美元|合作|协议", 2.0, "investment", CORP),
    # --- negatives: false friends, masked before anything else matches ----------------------------------------
    _pattern(
        "not computer chips",
        "negative",
        r"\b(?:fish|potato|chocolate|poker|casino|tortilla|corn|kale|banana|veggie|vegetable|apple|paint|wood"
        r"|bargaining|cookie)[- ](?:and[- ])?chips?\b|\bchips? (?:shops?|butty|van|fat|and (?:fish|dip|salsa"
        r"|gravy))\b|\bfish (?:and|&|n) chips?\b|\bchipp(?:y|ie)\b|\bblue-?chips?\b|\bchip(?:s|ped)? (?:in|away"
        r"|off|on (?:his|her|their|the) shoulder)\b|\b(?:cod|steak|burger|egg) and chips\b|\bin chips\b"
        r"|\bchocolate chip\b|\bchip (?:shot|and putt)\b|\bcrisps\b|\bsnacks?\b",
        1.5,
    ),
    _pattern(
        "not AI models",
        "negative",
        r"\b(?:fashion|role|runway|catwalk|super|top|plus-size|male|female|glamour|swimsuit|lingerie|art|life"
        r"|nude|child)[- ]?models?\b|\bmodel(?:s|ed|ling|ing)? (?:agency|agencies|train|trains|railway|kit|kits"
        r"|home|homes|village|aircraft|ships?|boats?|citizen|student|behaviou?r|minority|UN|contract)\b"
        r"|\b(?:business|economic|economics|financial|climate|pricing|subscription|operating|revenue"
        r"|forecasting|growth|mathematical|statistical|working) models?\b|\b(?:car|SUV|sedan|hatchback|vehicle"
        r"|EV|truck|pickup|motorbike|motorcycle|bike|scooter|phone|smartphone|handset|laptop|watch|shoe"
        r"|sneaker|guitar|camera|TV|console)s?\b(?:(?!\bAI\b)[^.;]){0,12}?\bmodels?\b|\bmodel (?:year|range"
        r"|lineup)\b|\bfashion week\b",
        1.5,
    ),
    _pattern(
        "not strategic export controls",
        "negative",
        r"\b(?:export|import)[- ](?:controls?|restrictions?|curbs?|bans?|limits?|duties|quotas?|licen[cs]es?)"
        r" (?:on|for|of) (?:\w+ ){0,2}(?:grains?|wheat|rice|maize|corn|barley|soy\w*|beef|pork|poultry|chicken"
        r"|meat|dairy|milk|sugar|onions?|potato\w*|eggs?|fertili[sz]ers?|cattle|livestock|timber|logs|fish"
        r"|seafood|cotton|palm oil|edible oil|vegetables?|fruits?|food|foodstuffs?|coffee|cocoa|tea|wine"
        r"|alcohol|tobacco|scrap|coal|crude|diesel|petrol|wool|rubber|medicines?|vaccines?|masks?)\b"
        r"|\b(?:grain|wheat|rice|maize|corn|beef|pork|poultry|chicken|meat|dairy|milk|sugar|onion|potato|egg"
        r"|fertili[sz]er|cattle|livestock|timber|fish|seafood|cotton|palm oil|food|coffee|cocoa|tea|wine"
        r"|coal|vaccine)[- ](?:export|import)[- ]?(?:controls?|restrictions?|curbs?|bans?|limits?|duties"
        r"|quotas?)?\b|\b(?:bans?|curbs?|restrictions?|controls?) on (?:\w+ ){0,2}(?:grain|wheat|rice|beef"
        r"|dairy|sugar|onion|food|meat) exports\b|(?:粮食|小麦|大米|稻米|玉米|牛肉|猪肉|乳制品|食糖|化肥)"
        r"(?:出口|进口)(?:管制|限制|禁令)?",
        2.0,
    ),
    _pattern(
        "not chip smuggling",
        "negative",
        r"\bsmuggl\w*\s+(?:\w+\s+){0,3}?(?:cigarettes?|tobacco|vapes?|drugs?|narcotics|cocaine|heroin|cannabis"
        r"|meth\w*|fentanyl|migrants?|people|persons|humans?|wildlife|ivory|rhino horns?|birds?|parrots?"
        r"|animals?|pets?|puppies|turtles?|alcohol|liquor|fuel|diesel|petrol|gold|diamonds?|weapons?|guns?"
        r"|firearms|ammunition|cash|antiques?|relics?|artefacts?|artifacts?|seafood|meat|sugar|rice|cars?"
        r"|phones?|iphones?)\b|\b(?:cigarettes?|tobacco|drugs?|narcotics|cocaine|heroin|wildlife|ivory|people"
        r"|human|migrants?|arms|guns?|weapons?|fuel|gold|alcohol|birds?|animals?)[- ]smuggl\w+"
        r"|走私(?:香烟|卷烟|毒品|冻品|象牙|燕窝|野生动物|成品油|黄金|枪支)|(?:香烟|毒品|冻品|象牙|野生动物)走私",
        2.5,
    ),
    _pattern(
        "consumer reviews and gaming",
        "negative",
        r"^(?:review|hands-on|deals?|best)\b|\b(?:for|in|of) gaming\b|\bgaming (?:laptops?|PCs?|monitors?"
        r"|headsets?|consoles?|mice|mouse|keyboards?|chairs?)\b|\bgamers?\b|\bvideo games?\b|\bbuyer'?s guide\b"
        r"|\bwe tested\b|\bbest (?:budget )?(?:graphics cards|GPUs|laptops|phones|smartphones)\b"
        r"|\bBlack Friday\b|\bprice drop\b",
        2.0,
    ),
    _pattern(
        "not fab yields",
        "negative",
        r"\b(?:bond|treasury|treasuries|gilt|bund|dividend|coupon|earnings|crop|grain|wheat|corn|harvest|milk"
        r"|investment|high|10-year|two-year|2-year|30-year|savings)[- ]yields?\b|\byields? (?:curve|spread"
        r"|on (?:the )?(?:bonds?|treasur\w+|gilts|notes|savings))\b|\byield to maturity\b",
        1.5,
    ),
    _pattern(
        "other false friends",
        "negative",
        r"\bcardiac arrest\b|\bfab four\b|\bAi Weiwei\b|\bmodel UN\b|\b(?:iron|bell|type|brass) ?foundry\b"
        r"|\bfoundry (?:workers?|district|lane)\b|\bbattery life\b|\bchristmas tree\b",
        1.0,
    ),
    _pattern(
        "off-topic sections",
        "negative",
        r"\brecipes?\b|\bfootball\b|\bsoccer\b|\bbasketball\b|\btennis\b|\bgolf\b|\bolympic\w*|\bchampionship\b"
        r"|\bworld cup\b|\bcelebrity\b|\bhoroscope\b|\bwedding\b|\bobituary\b|\bfashion\b|\bbox office\b"
        r"|\balbum\b|\bconcert\b|体育|足球|篮球|世界杯|娱乐|明星|庙会",
        1.5,
    ),
]


def seed_watchlist(entity_model: Any, pattern_model: Any) -> tuple[int, int]:
    """Create the default entities and patterns that do not exist yet (by name); return how many were made.

    Takes the model classes so that a data migration can pass its historical models.
    """
    made_entities = made_patterns = 0
    for spec in ENTITIES:
        _, created = entity_model.objects.get_or_create(name=spec["name"], defaults=spec)
        made_entities += int(created)
    for spec in PATTERNS:
        _, created = pattern_model.objects.get_or_create(name=spec["name"], defaults=spec)
        made_patterns += int(created)
    return made_entities, made_patterns
