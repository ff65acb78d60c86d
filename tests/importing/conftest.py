"""A small site to import into: customers (a unique code, a choice with
Chinese labels, dates, money), orders that refer to customers, and a tiny
entity for the large imports; a clerk who may import orders only."""

from __future__ import annotations

import pytest

from officina.auth import add_user
from officina.runtime import Runtime
from pack_files import make_site

PACK = """\
entity: customer
label: {en: Customer, zh: 客户}
title_field: name
fields:
  code: {type: string, unique: true, label: {en: Code, zh: 编号}}
  name: {type: string, required: true, max_length: 60, label: {en: Name, zh: 名称}}
  city: {type: string, label: {en: City, zh: 城市}}
  tier:
    type: choice
    label: {en: Tier, zh: 等级}
    default: bronze
    options:
      - {value: bronze, label: {en: Bronze, zh: 铜牌}}
      - {value: silver, label: {en: Silver, zh: 银牌}}
      - {value: gold, label: {en: Gold, zh: 金牌}}
  credit_limit: {type: money, min: 0, label: {en: Credit limit, zh: 信用额度}}
  since: {type: date, label: {en: Customer since, zh: 注册日期}}
  active: {type: boolean, label: {en: Active, zh: 有效}}
---
entity: order
label: {en: Order, zh: 订单}
fields:
  customer: {type: reference, to: customer, required: true}
  amount: {type: money, required: true, min: 0}
  note: string
---
entity: item
fields:
  code: {type: string, required: true}
  qty: {type: integer, min: 0}
---
role: clerk
permissions:
  customer: {read: true, create: true}
  order: {read: true, create: true, import: true}
"""


@pytest.fixture
def site(runner, tmp_path, database_url):
    return make_site(runner, tmp_path / "site", database_url, PACK)


@pytest.fixture
def runtime(site):
    opened = Runtime.open(site)
    yield opened
    opened.close()


@pytest.fixture
def clerk(runtime):
    from officina.auth.users import actor_of, find_user

    add_user(
        runtime, email="carl@example.com", name="Carl", password=None, roles=["clerk"]
    )
    return actor_of(find_user(runtime, "carl@example.com"))
