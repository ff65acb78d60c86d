"""Customers (about 300) in China, the United States and a few other
countries, with one or two addresses each."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SURNAMES = (
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 "
    "郭 何 林 高 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹"
).split()
SURNAME_PINYIN = dict(
    zip(
        SURNAMES,
        "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin "
        "gao luo zheng liang xie song tang xu han feng deng cao".split(),
        strict=True,
    )
)
GIVEN = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("洋", "yang"),
    ("艳", "yan"),
    ("勇", "yong"),
    ("军", "jun"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("丽", "li"),
    ("强", "qiang"),
    ("婷", "ting"),
    ("雪", "xue"),
    ("晨", "chen"),
    ("欣怡", "xinyi"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
    ("雨桐", "yutong"),
    ("思远", "siyuan"),
    ("佳琪", "jiaqi"),
    ("一鸣", "yiming"),
    ("梓萱", "zixuan"),
    ("宇航", "yuhang"),
]
CN_CITIES = [
    # city, region, postcode, districts/streets
    (
        "上海",
        None,
        "200120",
        ["浦东新区世纪大道", "徐汇区漕溪北路", "静安区南京西路", "闵行区七莘路"],
    ),
    (
        "北京",
        None,
        "100020",
        ["朝阳区建国路", "海淀区中关村大街", "东城区东直门内大街", "丰台区丰台北路"],
    ),
    (
        "深圳",
        "广东",
        "518057",
        ["南山区科技园南区", "福田区深南大道", "宝安区新安六路", "龙华区民治大道"],
    ),
    ("广州", "广东", "510620", ["天河区天河路", "越秀区中山五路", "海珠区新港中路"]),
    ("杭州", "浙江", "310012", ["西湖区文三路", "滨江区江南大道", "上城区解放路"]),
    ("成都", "四川", "610041", ["武侯区天府大道", "锦江区春熙路", "高新区益州大道"]),
    ("南京", "江苏", "210008", ["鼓楼区中山北路", "玄武区珠江路"]),
    ("武汉", "湖北", "430071", ["武昌区中南路", "洪山区珞喻路"]),
    ("西安", "陕西", "710061", ["雁塔区小寨东路", "碑林区南大街"]),
    ("苏州", "江苏", "215021", ["工业园区星湖街", "姑苏区人民路"]),
]
FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Joseph",
    "Sarah",
    "Thomas",
    "Karen",
    "Daniel",
    "Emily",
    "Matthew",
    "Olivia",
    "Anthony",
    "Sophia",
    "Mark",
    "Grace",
    "Kevin",
    "Chloe",
    "Brian",
    "Megan",
    "Jason",
    "Hannah",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Nguyen",
    "Kim",
    "Patel",
    "Chen",
    "Wong",
    "Young",
]
US_CITIES = [
    ("San Francisco", "CA", "94105", ["Market St", "Mission St", "Valencia St"]),
    ("Los Angeles", "CA", "90012", ["Sunset Blvd", "Wilshire Blvd", "Figueroa St"]),
    ("Seattle", "WA", "98101", ["Pine St", "Pike St", "1st Ave"]),
    ("New York", "NY", "10001", ["Broadway", "5th Ave", "W 34th St"]),
    ("Austin", "TX", "78701", ["Congress Ave", "E 6th St"]),
    ("Chicago", "IL", "60601", ["N Michigan Ave", "W Randolph St"]),
    ("Boston", "MA", "02108", ["Beacon St", "Tremont St"]),
    ("Portland", "OR", "97205", ["SW Morrison St", "NW 23rd Ave"]),
]
ABROAD = [
    # country, language, cities [(city, region, postcode, streets)], first
    # names, last names
    (
        "DE",
        "en",
        [
            ("Berlin", None, "10117", ["Friedrichstraße", "Unter den Linden"]),
            ("München", "Bayern", "80331", ["Marienplatz", "Sendlinger Str."]),
        ],
        ["Hans", "Anna", "Lukas", "Mia", "Felix", "Lea"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber"],
    ),
    (
        "GB",
        "en",
        [
            ("London", None, "EC1A 1BB", ["Old St", "Baker St"]),
            ("Manchester", None, "M1 1AE", ["Deansgate", "Oxford Rd"]),
        ],
        ["Oliver", "Amelia", "Harry", "Isla", "George"],
        ["Taylor", "Evans", "Hughes", "Wright"],
    ),
    (
        "FR",
        "en",
        [("Paris", None, "75002", ["Rue de Rivoli", "Rue du Bac"])],
        ["Louise", "Gabriel", "Chloé", "Hugo"],
        ["Martin", "Bernard", "Dubois", "Laurent"],
    ),
    (
        "CA",
        "en",
        [
            ("Toronto", "ON", "M5H 2N2", ["Queen St W", "King St E"]),
            ("Vancouver", "BC", "V6B 1A1", ["Granville St", "Robson St"]),
        ],
        ["Liam", "Emma", "Noah", "Ava"],
        ["Tremblay", "Roy", "Gagnon", "Campbell"],
    ),
    (
        "SG",
        "en",
        [("Singapore", None, "238859", ["Orchard Rd", "Robinson Rd"])],
        ["Wei Ling", "Jun Jie", "Hui Min", "Kai Xiang"],
        ["Tan", "Lim", "Ng", "Goh"],
    ),
    (
        "AU",
        "en",
        [
            ("Sydney", "NSW", "2000", ["George St", "Pitt St"]),
            ("Melbourne", "VIC", "3000", ["Collins St", "Flinders Ln"]),
        ],
        ["Jack", "Charlotte", "Lucas", "Ruby"],
        ["Smith", "Kelly", "Ryan", "Walsh"],
    ),
]
COMPANIES_CN = [
    "深圳市星河贸易有限公司",
    "杭州青禾文化传媒有限公司",
    "上海乐享科技有限公司",
    "成都熊猫互动网络有限公司",
]
COMPANIES_EN = [
    "Brightside Studio LLC",
    "Northwind Traders",
    "Blue Harbor Cafe",
    "Summit Labs Inc.",
]


@dataclass
class Address:
    recipient: str
    line1: str
    city: str
    postcode: str
    country: str
    phone: str | None = None
    line2: str | None = None
    region: str | None = None
    is_default: bool = False

    def record(self) -> dict:
        values = {"recipient": self.recipient}
        if self.phone:
            values["phone"] = self.phone
        values["line1"] = self.line1
        if self.line2:
            values["line2"] = self.line2
        values["city"] = self.city
        if self.region:
            values["region"] = self.region
        values["postcode"] = self.postcode
        values["country"] = self.country
        if self.is_default:
            values["is_default"] = True
        return values


@dataclass
class Customer:
    name: str
    email: str
    language: str
    country: str
    phone: str | None
    addresses: list[Address]
    company: str | None = None
    marketing_opt_in: bool = False
    blocked_reason: str | None = None
    joined_hours_ago: float = 0
    tier: str = "new"
    weight: float = 1.0  # how often they order
    orders: list = field(default_factory=list)
    account: str | None = None  # the e-mail of the user who signs in as them

    @property
    def payment_methods(self) -> list[tuple[str, float]]:
        if self.country == "CN":
            return [
                ("alipay", 0.45),
                ("wechat_pay", 0.4),
                ("card", 0.1),
                ("cash_on_delivery", 0.05),
            ]
        if self.country == "US":
            return [("card", 0.7), ("paypal", 0.3)]
        return [("card", 0.6), ("paypal", 0.3), ("bank_transfer", 0.1)]


def make_customers(rng: random.Random, count: int = 300) -> list[Customer]:
    customers: list[Customer] = []
    emails: set[str] = set()
    for index in range(count):
        draw = rng.random()
        if draw < 0.5:
            customer = _chinese(rng)
        elif draw < 0.8:
            customer = _american(rng)
        else:
            customer = _abroad(rng)
        base, _, domain = customer.email.partition("@")
        email, suffix = customer.email, 2
        while email in emails:
            email = f"{base}{suffix}@{domain}"
            suffix += 1
        emails.add(email)
        customer.email = email
        customer.marketing_opt_in = rng.random() < 0.4
        customer.joined_hours_ago = (
            rng.uniform(24 * 100, 24 * 700)
            if index % 5
            else rng.uniform(24 * 2, 24 * 90)
        )
        customer.weight = rng.paretovariate(2.2)
        customers.append(customer)
    for customer in rng.sample(customers, 3):
        customer.blocked_reason = rng.choice(
            [
                "Three cash-on-delivery parcels refused in a row.",
                "Chargebacks on two orders; card reported stolen.",
                "Abusive messages to customer service.",
            ]
        )
    return customers


def _chinese(rng: random.Random) -> Customer:
    surname = rng.choice(SURNAMES)
    given, pinyin = rng.choice(GIVEN)
    name = surname + given
    digits = [rng.randrange(1000, 9999) for _ in range(2)]
    phone = f"+86 1{rng.choice('3456789')}{rng.randrange(10)} {digits[0]} {digits[1]}"
    addresses = []
    for _ in range(1 if rng.random() < 0.7 else 2):
        city, region, postcode, streets = rng.choice(CN_CITIES)
        addresses.append(
            Address(
                recipient=name,
                phone=phone,
                line1=f"{rng.choice(streets)} {rng.randrange(1, 999)} 号",
                line2=_flat(rng) if rng.random() < 0.8 else None,
                city=city,
                region=region,
                postcode=postcode,
                country="CN",
            )
        )
    addresses[0].is_default = True
    customer = Customer(
        name=name,
        email=f"{SURNAME_PINYIN[surname]}.{pinyin}{rng.randrange(10, 99)}@example.cn",
        language="zh",
        country="CN",
        phone=phone,
        addresses=addresses,
    )
    if rng.random() < 0.05:
        customer.company = rng.choice(COMPANIES_CN)
    return customer


def _flat(rng: random.Random) -> str:
    building, floor, door = (
        rng.randrange(1, 30),
        rng.randrange(1, 33),
        rng.randrange(1, 8),
    )
    return f"{building} 栋 {floor}0{door} 室"


def _american(rng: random.Random) -> Customer:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f"{first} {last}"
    phone = f"+1 {rng.randrange(201, 989)} 555 0{rng.randrange(100, 199)}"
    addresses = []
    for number in range(1 if rng.random() < 0.75 else 2):
        city, region, postcode, streets = rng.choice(US_CITIES)
        addresses.append(
            Address(
                recipient=name
                if number == 0 or rng.random() < 0.5
                else f"{rng.choice(FIRST)} {last}",
                line1=f"{rng.randrange(10, 9999)} {rng.choice(streets)}",
                line2=f"Apt {rng.randrange(1, 40)}{rng.choice('ABCD')}"
                if rng.random() < 0.4
                else None,
                city=city,
                region=region,
                postcode=postcode,
                country="US",
                phone=phone if rng.random() < 0.5 else None,
            )
        )
    addresses[0].is_default = True
    customer = Customer(
        name=name,
        email=f"{first.lower()}.{last.lower()}@example.com",
        language="en",
        country="US",
        phone=phone if rng.random() < 0.7 else None,
        addresses=addresses,
    )
    if rng.random() < 0.05:
        customer.company = rng.choice(COMPANIES_EN)
    return customer


def _abroad(rng: random.Random) -> Customer:
    country, language, cities, firsts, lasts = rng.choice(ABROAD)
    first, last = rng.choice(firsts), rng.choice(lasts)
    name = f"{first} {last}"
    city, region, postcode, streets = rng.choice(cities)
    address = Address(
        recipient=name,
        line1=f"{rng.choice(streets)} {rng.randrange(1, 200)}",
        city=city,
        region=region,
        postcode=postcode,
        country=country,
        is_default=True,
    )
    handle = (
        (first + "." + last)
        .lower()
        .replace(" ", "")
        .replace("ü", "ue")
        .replace("é", "e")
    )
    return Customer(
        name=name,
        email=f"{handle}@example.{country.lower()}",
        language=language,
        country=country,
        phone=None,
        addresses=[address],
    )


def customer_records(customers: list[Customer]) -> list[dict]:
    out = []
    for customer in customers:
        values: dict = {"name": customer.name, "email": customer.email}
        if customer.phone:
            values["phone"] = customer.phone
        if customer.company:
            values["company"] = customer.company
        values["language"] = customer.language
        values["tier"] = customer.tier
        if customer.account:
            values["account"] = customer.account
        if customer.marketing_opt_in:
            values["marketing_opt_in"] = True
        if customer.blocked_reason:
            values["blocked"] = True
            values["blocked_reason"] = customer.blocked_reason
        values["created_at"] = customer.created_at
        values["addresses"] = [address.record() for address in customer.addresses]
        out.append(values)
    return out
