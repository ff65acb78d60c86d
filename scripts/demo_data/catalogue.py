"""Suppliers, sellers and the product catalogue (about 200 products in the
commerce pack's categories), with believable prices, costs and weights."""

# ruff: noqa: E501 - the tables below keep one supplier, seller or product line each

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

# fmt: off
SUPPLIERS = [
    # name, contact, e-mail, phone, lead time (days), rating
    ("Pearl River Electronics Co.", "Li Wei", "sales@pearlriver.example", "+86 20 5555 0101", 14, 4),
    ("Nordic Home Goods AB", "Anna Berg", "orders@nordichome.example", "+46 8 555 010 20", 21, 5),
    ("Pacific Paper & Print", "Tom Reyes", "books@pacificpaper.example", "+1 206 555 0142", 5, 3),
    ("Shenzhen Sonic Audio Ltd.", "Zhou Min", "b2b@sonicaudio.example", "+86 755 5555 0188", 10, 4),
    ("Ningbo Bright Kitchenware Co.", "Chen Jing", "export@brightkitchen.example", "+86 574 5555 0123", 12, 4),
    ("Hangzhou Silk Road Textiles", "Wang Lei", "trade@silkroadtex.example", "+86 571 5555 0166", 18, 3),
    ("Yiwu Happy Toys Co.", "Zhang Yan", "sales@happytoys.example", "+86 579 5555 0177", 15, 4),
    ("Xiamen Trail Outdoor Gear", "Lin Tao", "orders@trailgear.example", "+86 592 5555 0155", 20, 5),
]
SUPPLIER_OF = dict(zip(["PR", "NH", "PP", "SS", "NB", "HZ", "YW", "XM"], (s[0] for s in SUPPLIERS), strict=True))

SELLERS = [
    # code, shop name, e-mail, phone, status, rating, commission
    ("GADGETHUB", "Gadget Hub", "shop@gadgethub.example", "+1 408 555 0110", "active", 5, 12),
    ("BAMBOOLIVING", "竹居生活", "service@bambooliving.example", "+86 571 5555 0190", "active", 4, 15),
    ("PANDATEA", "熊猫茶舍", "hello@pandatea.example", "+86 28 5555 0133", "active", 5, 15),
    ("URBANTHREADS", "Urban Threads", "care@urbanthreads.example", "+44 20 5555 0175", "active", 4, 18),
    ("NEWCRAFT", "New Craft Studio", "hello@newcraft.example", None, "applying", None, 15),
    ("QUICKDEALS", "Quick Deals Outlet", "ops@quickdeals.example", None, "suspended", 2, 20),
]

# Product lines: SKU stem, name, brand, category, price, cost share, weight
# (kg), supplier, variants [(SKU suffix, name suffix, price change)].
LINES = [
    # -- phones and accessories
    ("PH-X200", "X200 Smartphone 128 GB", "Nova", "ELEC-PHONE", "499.00", 0.73, "0.210", "PR", [("BLK", "black", 0), ("BLU", "blue", 0), ("SLV", "silver", 0)]),
    ("PH-X200-256", "X200 Smartphone 256 GB", "Nova", "ELEC-PHONE", "579.00", 0.72, "0.210", "PR", [("BLK", "black", 0), ("SLV", "silver", 0)]),
    ("PH-X200P", "X200 Pro Smartphone", "Nova", "ELEC-PHONE", "799.00", 0.70, "0.225", "PR", [("256", "256 GB", 0), ("512", "512 GB", 120)]),
    ("PH-LITE", "Nova Lite 5G phone", "Nova", "ELEC-PHONE", "249.00", 0.75, "0.190", "PR", [("GRN", "green", 0), ("BLK", "black", 0)]),
    ("PH-CASE-X200", "X200 silicone case", "Nova", "ELEC-PHONE", "19.90", 0.16, "0.040", "PR", [("", "", 0), ("PNK", "pink", 0), ("GRN", "green", 0)]),
    ("PH-GLASS", "Tempered glass screen protector (2-pack)", "Kairo", "ELEC-PHONE", "12.90", 0.2, "0.030", "PR", [("", "", 0)]),
    ("PH-CHG20", "20 W USB-C charger", "Kairo", "ELEC-PHONE", "19.00", 0.35, "0.060", "PR", [("", "", 0)]),
    ("PH-CBL", "USB-C cable", "Kairo", "ELEC-PHONE", "9.90", 0.25, "0.040", "PR", [("1M", "1 m", 0), ("2M", "2 m", 3)]),
    ("PH-MAGCHG", "Magnetic wireless charger 15 W", "Kairo", "ELEC-PHONE", "29.00", 0.38, "0.120", "PR", [("", "", 0)]),
    ("PH-PB", "Power bank", "Kairo", "ELEC-PHONE", "29.00", 0.45, "0.230", "PR", [("10K", "10,000 mAh", 0), ("20K", "20,000 mAh", 16)]),
    ("PH-MOUNT", "Car phone mount", "Kairo", "ELEC-PHONE", "15.90", 0.3, "0.110", "PR", [("", "", 0)]),
    ("PH-TRIPOD", "Selfie stick tripod", "Kairo", "ELEC-PHONE", "22.00", 0.35, "0.180", "PR", [("", "", 0)]),
    # -- computers
    ("CP-LAP-14", "14-inch ultrabook", "Nova", "ELEC-COMP", "1099.00", 0.77, "1.250", "PR", [("", "", 0), ("I7", "i7, 32 GB", 400)]),
    ("CP-LAP-16", "16-inch laptop", "Nova", "ELEC-COMP", "1299.00", 0.78, "1.850", "PR", [("", "", 0)]),
    ("CP-MON", "Monitor", "Lumo", "ELEC-COMP", "189.00", 0.68, "4.200", "PR", [("24", "24-inch Full HD", 0), ("27", "27-inch 4K", 160)]),
    ("CP-KB", "Mechanical keyboard", "Kairo", "ELEC-COMP", "79.00", 0.45, "0.950", "PR", [("RED", "red switches", 0), ("BRN", "brown switches", 0)]),
    ("CP-MOUSE", "Wireless mouse", "Kairo", "ELEC-COMP", "24.90", 0.36, "0.090", "PR", [("BLK", "black", 0), ("WHT", "white", 0)]),
    ("CP-HUB", "USB-C hub 7-in-1", "Kairo", "ELEC-COMP", "39.00", 0.4, "0.120", "PR", [("", "", 0)]),
    ("CP-STAND", "Aluminium laptop stand", "Lumo", "ELEC-COMP", "32.00", 0.35, "0.800", "PR", [("", "", 0)]),
    ("CP-CAM", "1080p webcam", "Lumo", "ELEC-COMP", "45.00", 0.42, "0.160", "PR", [("", "", 0)]),
    ("CP-SSD", "Portable SSD", "Kairo", "ELEC-COMP", "89.00", 0.6, "0.060", "PR", [("1TB", "1 TB", 0), ("2TB", "2 TB", 70)]),
    ("CP-SD", "microSD card", "Kairo", "ELEC-COMP", "14.90", 0.45, "0.010", "PR", [("128", "128 GB", 0), ("256", "256 GB", 10)]),
    ("CP-ROUTER", "Wi-Fi 6 router AX3000", "Lumo", "ELEC-COMP", "99.00", 0.6, "0.650", "PR", [("", "", 0)]),
    ("CP-SLEEVE", "Laptop sleeve", "Lumo", "ELEC-COMP", "24.00", 0.3, "0.250", "HZ", [("14", "14-inch", 0), ("16", "16-inch", 4)]),
    # -- audio
    ("AU-BUDS-PRO", "Wireless earbuds Pro", "Sonora", "ELEC-AUDIO", "129.00", 0.45, "0.090", "SS", [("", "", 0), ("BLK", "black", 0)]),
    ("AU-BUDS-LITE", "Wireless earbuds Lite", "Sonora", "ELEC-AUDIO", "49.00", 0.42, "0.070", "SS", [("", "", 0)]),
    ("AU-ANC", "Over-ear noise-cancelling headphones", "Sonora", "ELEC-AUDIO", "219.00", 0.5, "0.280", "SS", [("BLK", "black", 0), ("SLV", "silver", 0)]),
    ("AU-SPK-MINI", "Mini Bluetooth speaker", "Sonora", "ELEC-AUDIO", "35.00", 0.4, "0.300", "SS", [("BLK", "black", 0), ("RED", "red", 0), ("BLU", "blue", 0), ("GRN", "green", 0)]),
    ("AU-SOUNDBAR", "Soundbar 2.1 with subwoofer", "Sonora", "ELEC-AUDIO", "259.00", 0.55, "6.500", "SS", [("", "", 0)]),
    ("AU-SMART", "Smart speaker", "Sonora", "ELEC-AUDIO", "69.00", 0.5, "0.700", "SS", [("", "", 0)]),
    ("AU-WIRED", "Wired earphones with microphone", "Sonora", "ELEC-AUDIO", "12.00", 0.3, "0.030", "SS", [("", "", 0)]),
    ("AU-KIDS", "Kids' headphones, volume-limited", "Sonora", "ELEC-AUDIO", "25.00", 0.35, "0.150", "SS", [("", "", 0)]),
    ("AU-MIC", "USB studio microphone", "Sonora", "ELEC-AUDIO", "75.00", 0.45, "0.550", "SS", [("", "", 0)]),
    ("AU-TURN", "Bluetooth record player", "Sonora", "ELEC-AUDIO", "149.00", 0.55, "3.900", "SS", [("", "", 0)]),
    # -- kitchen
    ("KT-KETTLE-17", "Electric kettle 1.7 L", "Fjord", "HOME-KITCHEN", "39.00", 0.45, "1.100", "NH", [("", "", 0), ("WHT", "white", 0)]),
    ("KT-RICE", "电饭煲 rice cooker", "暖居", "HOME-KITCHEN", "59.00", 0.48, "3.200", "NB", [("3L", "3 L", 0), ("5L", "5 L", 20)]),
    ("KT-FRYER", "Air fryer", "暖居", "HOME-KITCHEN", "79.00", 0.5, "4.600", "NB", [("45", "4.5 L", 0), ("60", "6 L", 20)]),
    ("KT-SOY", "豆浆机 soy milk maker", "暖居", "HOME-KITCHEN", "69.00", 0.5, "2.100", "NB", [("", "", 0)]),
    ("KT-KNIFE", "Chef's knife 20 cm", "Fjord", "HOME-KITCHEN", "45.00", 0.38, "0.250", "NB", [("", "", 0)]),
    ("KT-KNIFESET", "Knife block set, 5 pieces", "Fjord", "HOME-KITCHEN", "99.00", 0.4, "2.300", "NB", [("", "", 0)]),
    ("KT-WOK", "Carbon steel wok 32 cm 炒锅", "暖居", "HOME-KITCHEN", "35.00", 0.35, "1.600", "NB", [("", "", 0)]),
    ("KT-PAN", "Cast iron skillet 26 cm", "Fjord", "HOME-KITCHEN", "42.00", 0.4, "2.800", "NB", [("", "", 0)]),
    ("KT-BOX", "Glass food containers, set of 5", "Fjord", "HOME-KITCHEN", "29.00", 0.35, "2.400", "NB", [("", "", 0)]),
    ("KT-CHOP", "Stainless chopsticks, 10 pairs", "暖居", "HOME-KITCHEN", "14.00", 0.3, "0.350", "NB", [("", "", 0)]),
    ("KT-FLASK", "保温杯 vacuum flask 500 ml", "暖居", "HOME-KITCHEN", "22.00", 0.35, "0.330", "NB", [("BLK", "black", 0), ("WHT", "white", 0), ("PNK", "pink", 0), ("GRN", "green", 0)]),
    ("KT-GRINDER", "Burr coffee grinder", "Fjord", "HOME-KITCHEN", "65.00", 0.45, "1.400", "NH", [("", "", 0)]),
    ("KT-POUR", "Pour-over coffee set", "Fjord", "HOME-KITCHEN", "39.00", 0.4, "0.900", "NH", [("", "", 0)]),
    ("KT-STEAM", "Bamboo steamer basket 25 cm", "暖居", "HOME-KITCHEN", "19.00", 0.3, "0.700", "NB", [("", "", 0)]),
    ("KT-BOARD", "Oak cutting board", "Fjord", "HOME-KITCHEN", "34.00", 0.38, "1.500", "NH", [("", "", 0)]),
    ("KT-TEAPOT", "Cast iron teapot 0.8 L", "暖居", "HOME-KITCHEN", "49.00", 0.4, "1.300", "NB", [("", "", 0)]),
    ("KT-BLENDER", "High-speed blender", "暖居", "HOME-KITCHEN", "89.00", 0.5, "3.700", "NB", [("", "", 0)]),
    # -- decor
    ("DC-LAMP-OAK", "Oak table lamp", "Fjord", "HOME-DECOR", "79.00", 0.39, "2.400", "NH", [("", "", 0)]),
    ("DC-FLOOR", "Linen floor lamp", "Fjord", "HOME-DECOR", "129.00", 0.42, "5.800", "NH", [("", "", 0)]),
    ("DC-CUSH", "Linen cushion cover 45 cm", "Fjord", "HOME-DECOR", "18.00", 0.3, "0.200", "HZ", [("SND", "sand", 0), ("SGE", "sage", 0), ("GRY", "grey", 0), ("RST", "rust", 0)]),
    ("DC-VASE", "Ceramic vase", "Fjord", "HOME-DECOR", "29.00", 0.35, "0.900", "NH", [("S", "small", 0), ("M", "medium", 10), ("L", "large", 20)]),
    ("DC-CLOCK", "Silent wall clock 30 cm", "Lumo", "HOME-DECOR", "27.00", 0.35, "0.650", "NH", [("", "", 0)]),
    ("DC-CANDLE", "Scented candle", "Fjord", "HOME-DECOR", "16.00", 0.3, "0.400", "NH", [("CED", "cedar", 0), ("JAS", "jasmine", 0), ("OSM", "osmanthus 桂花", 0)]),
    ("DC-FRAME", "Photo frames, set of 3", "Lumo", "HOME-DECOR", "24.00", 0.33, "1.100", "NH", [("", "", 0)]),
    ("DC-THROW", "Knitted throw blanket", "Fjord", "HOME-DECOR", "49.00", 0.4, "1.200", "HZ", [("OAT", "oat", 0), ("NVY", "navy", 0)]),
    ("DC-MUG", "青花瓷 blue-and-white mugs, set of 2", "青禾", "HOME-DECOR", "26.00", 0.32, "0.800", "NB", [("", "", 0)]),
    ("DC-ORG", "Desk organiser", "Lumo", "HOME-DECOR", "21.00", 0.3, "0.600", "NH", [("", "", 0)]),
    ("DC-PLANT", "Artificial olive tree 120 cm", "Fjord", "HOME-DECOR", "69.00", 0.4, "3.200", "NH", [("", "", 0)]),
    ("DC-MIRROR", "Round wall mirror 60 cm", "Fjord", "HOME-DECOR", "59.00", 0.4, "4.100", "NH", [("", "", 0)]),
    ("DC-RUG", "Cotton rug 120 x 170 cm", "Fjord", "HOME-DECOR", "89.00", 0.42, "3.000", "HZ", [("", "", 0)]),
    # -- fashion
    ("FA-TEE", "Organic cotton T-shirt", "Stride", "FASHION", "19.00", 0.3, "0.180", "HZ", [("WHT-M", "white, M", 0), ("WHT-L", "white, L", 0), ("BLK-S", "black, S", 0), ("BLK-M", "black, M", 0), ("BLK-L", "black, L", 0), ("BLK-XL", "black, XL", 0)]),
    ("FA-HOOD", "Fleece hoodie", "Stride", "FASHION", "45.00", 0.35, "0.600", "HZ", [("M", "M", 0), ("L", "L", 0), ("XL", "XL", 0)]),
    ("FA-SCARF", "丝巾 mulberry silk scarf", "青禾", "FASHION", "39.00", 0.35, "0.080", "HZ", [("PEONY", "peony", 0), ("CRANE", "crane", 0), ("WAVE", "wave", 0)]),
    ("FA-DENIM", "Denim jacket", "Stride", "FASHION", "69.00", 0.4, "0.900", "HZ", [("M", "M", 0), ("L", "L", 0)]),
    ("FA-SOCKS", "Running socks, 3 pairs", "Stride", "FASHION", "12.00", 0.3, "0.150", "HZ", [("", "", 0)]),
    ("FA-CAP", "Baseball cap", "Stride", "FASHION", "18.00", 0.3, "0.120", "HZ", [("NVY", "navy", 0), ("KHK", "khaki", 0)]),
    ("FA-BELT", "Leather belt", "Stride", "FASHION", "35.00", 0.35, "0.250", "HZ", [("", "", 0)]),
    ("FA-PACK", "Canvas backpack", "Stride", "FASHION", "49.00", 0.38, "0.800", "HZ", [("GRY", "grey", 0), ("OLV", "olive", 0)]),
    ("FA-DOWN", "羽绒服 down jacket", "Stride", "FASHION", "129.00", 0.45, "0.900", "HZ", [("M", "M", 0), ("L", "L", 0), ("XL", "XL", 0)]),
    ("FA-BEANIE", "Wool beanie", "Stride", "FASHION", "16.00", 0.3, "0.090", "HZ", [("", "", 0)]),
    ("FA-GLOVES", "Touchscreen gloves", "Stride", "FASHION", "15.00", 0.3, "0.080", "HZ", [("", "", 0)]),
    # -- books
    ("BK-LOWCODE", "Building apps without code (paperback)", None, "BOOKS", "24.99", 0.38, "0.450", "PP", [("", "", 0)]),
    ("BK-ORDERS", "The order machine: e-commerce operations", None, "BOOKS", "29.99", 0.38, "0.600", "PP", [("PB", "(paperback)", 0), ("HC", "(hardcover)", 10)]),
    ("BK-3BODY", "三体 (The Three-Body Problem)", None, "BOOKS", "18.00", 0.4, "0.500", "PP", [("", "", 0)]),
    ("BK-PYTHON", "Python in 30 days", None, "BOOKS", "34.99", 0.4, "0.750", "PP", [("", "", 0)]),
    ("BK-PINGFAN", "平凡的世界 (Ordinary World), 3 volumes", None, "BOOKS", "45.00", 0.42, "1.600", "PP", [("", "", 0)]),
    ("BK-SICHUAN", "Sichuan home cooking", None, "BOOKS", "27.50", 0.4, "0.900", "PP", [("", "", 0)]),
    ("BK-PANDA", "Little Panda finds a friend (picture book)", None, "BOOKS", "12.99", 0.35, "0.350", "PP", [("", "", 0)]),
    ("BK-MOON", "The moon festival (picture book)", None, "BOOKS", "12.99", 0.35, "0.350", "PP", [("", "", 0)]),
    ("BK-HSK", "Chinese for beginners", None, "BOOKS", "22.00", 0.4, "0.550", "PP", [("1", "HSK 1", 0), ("2", "HSK 2", 2)]),
    ("BK-YUNNAN", "Yunnan travel guide", None, "BOOKS", "19.99", 0.4, "0.450", "PP", [("", "", 0)]),
    ("BK-TANG", "唐诗三百首 (300 Tang poems)", None, "BOOKS", "15.00", 0.4, "0.500", "PP", [("", "", 0)]),
    ("BK-RETAIL", "Data-driven retail", None, "BOOKS", "39.99", 0.4, "0.700", "PP", [("", "", 0)]),
    ("BK-NOTE", "Dotted notebook A5", "墨言", "BOOKS", "9.90", 0.3, "0.300", "PP", [("BLK", "black", 0), ("RED", "red", 0)]),
    # -- sports
    ("SP-YOGA", "Yoga mat 6 mm", "悦动", "SPORTS", "29.00", 0.35, "1.100", "XM", [("PUR", "purple", 0), ("TEA", "teal", 0), ("GRY", "grey", 0)]),
    ("SP-BANDS", "Resistance bands, set of 5", "悦动", "SPORTS", "19.00", 0.3, "0.400", "XM", [("", "", 0)]),
    ("SP-DUMB", "Adjustable dumbbells 2 x 10 kg", "悦动", "SPORTS", "89.00", 0.5, "20.500", "XM", [("", "", 0)]),
    ("SP-SHOE", "Trail running shoes", "Stride", "SPORTS", "89.00", 0.42, "0.700", "XM", [("40", "EU 40", 0), ("41", "EU 41", 0), ("42", "EU 42", 0), ("43", "EU 43", 0), ("44", "EU 44", 0)]),
    ("SP-ROPE", "Speed skipping rope", "悦动", "SPORTS", "12.00", 0.3, "0.200", "XM", [("", "", 0)]),
    ("SP-TENT", "Camping tent", "Trailhead", "SPORTS", "119.00", 0.45, "2.600", "XM", [("2P", "2 people", 0), ("4P", "4 people", 60)]),
    ("SP-BAG", "Sleeping bag, 0 °C", "Trailhead", "SPORTS", "69.00", 0.45, "1.400", "XM", [("", "", 0)]),
    ("SP-HIKE", "Hiking backpack 40 L", "Trailhead", "SPORTS", "79.00", 0.42, "1.300", "XM", [("", "", 0)]),
    ("SP-POLES", "Trekking poles, pair", "Trailhead", "SPORTS", "39.00", 0.4, "0.550", "XM", [("", "", 0)]),
    ("SP-BOTTLE", "Insulated water bottle 750 ml", "Trailhead", "SPORTS", "24.00", 0.35, "0.400", "XM", [("BLK", "black", 0), ("ORG", "orange", 0)]),
    ("SP-BADM", "Badminton racket set", "悦动", "SPORTS", "35.00", 0.38, "0.600", "XM", [("", "", 0)]),
    ("SP-PING", "Table tennis paddles, pair", "悦动", "SPORTS", "29.00", 0.38, "0.450", "XM", [("", "", 0)]),
    ("SP-BALL", "Basketball size 7", "悦动", "SPORTS", "25.00", 0.35, "0.650", "XM", [("", "", 0)]),
    ("SP-HELMET", "Cycling helmet", "Trailhead", "SPORTS", "55.00", 0.4, "0.350", "XM", [("M", "M", 0), ("L", "L", 0)]),
    # -- toys
    ("TY-BLOCKS", "Building blocks", "童趣", "TOYS", "29.00", 0.4, "1.200", "YW", [("500", "500 pieces", 0), ("1000", "1,000 pieces", 20)]),
    ("TY-RCCAR", "Remote-control off-road car", "童趣", "TOYS", "49.00", 0.45, "1.100", "YW", [("", "", 0)]),
    ("TY-PANDA", "熊猫公仔 plush panda", "童趣", "TOYS", "19.00", 0.35, "0.300", "YW", [("S", "25 cm", 0), ("L", "60 cm", 20)]),
    ("TY-PUZZLE", "Wooden animal puzzle", "童趣", "TOYS", "16.00", 0.35, "0.500", "YW", [("", "", 0)]),
    ("TY-BOARD", "Family board game: Silk Road traders", "童趣", "TOYS", "34.00", 0.4, "1.000", "YW", [("", "", 0)]),
    ("TY-JIGSAW", "Jigsaw puzzle 1,000 pieces: West Lake", "童趣", "TOYS", "18.00", 0.35, "0.700", "YW", [("", "", 0)]),
    ("TY-KITE", "Dragon kite 风筝", "童趣", "TOYS", "22.00", 0.35, "0.400", "YW", [("", "", 0)]),
    ("TY-MAGNET", "Magnetic building tiles, 60 pieces", "童趣", "TOYS", "45.00", 0.42, "1.600", "YW", [("", "", 0)]),
    ("TY-KITCHEN", "Wooden toy kitchen", "童趣", "TOYS", "99.00", 0.45, "12.000", "YW", [("", "", 0)]),
    ("TY-SCIENCE", "Young scientist kit", "童趣", "TOYS", "32.00", 0.4, "0.900", "YW", [("", "", 0)]),
    ("TY-CARDS", "Card game: Panda party", "童趣", "TOYS", "11.00", 0.35, "0.200", "YW", [("", "", 0)]),
    ("TY-BUBBLE", "Bubble machine", "童趣", "TOYS", "21.00", 0.38, "0.600", "YW", [("", "", 0)]),
    ("TY-CUBE", "Speed cube 3 x 3", "童趣", "TOYS", "9.90", 0.3, "0.100", "YW", [("", "", 0)]),
    ("TY-DOLLS", "Wooden dolls' house", "童趣", "TOYS", "79.00", 0.45, "6.500", "YW", [("", "", 0)]),
]

SELLER_PRODUCTS = [
    # SKU, name, brand, category, price, weight, seller
    ("GH-CHARGER-65W", "65 W USB-C charger", "GadgetHub", "ELEC-PHONE", "35.00", "0.150", "GADGETHUB"),
    ("GH-GAN-100W", "100 W GaN charger, 3 ports", "GadgetHub", "ELEC-PHONE", "59.00", "0.210", "GADGETHUB"),
    ("GH-CABLE-3", "Braided USB-C cables, 3-pack", "GadgetHub", "ELEC-PHONE", "19.00", "0.120", "GADGETHUB"),
    ("GH-MAGPACK", "Magnetic power bank 5,000 mAh", "GadgetHub", "ELEC-PHONE", "39.00", "0.140", "GADGETHUB"),
    ("GH-STAND", "Foldable phone stand", "GadgetHub", "ELEC-PHONE", "14.00", "0.160", "GADGETHUB"),
    ("GH-TAG-2", "Bluetooth item trackers, 2-pack", "GadgetHub", "ELEC-PHONE", "45.00", "0.060", "GADGETHUB"),
    ("GH-COOLPAD", "Laptop cooling pad", "GadgetHub", "ELEC-COMP", "29.00", "0.900", "GADGETHUB"),
    ("GH-PLUG-2", "Smart plugs, 2-pack", "GadgetHub", "ELEC-COMP", "25.00", "0.250", "GADGETHUB"),
    ("BL-CHOPSTICKS-10", "竹筷十双装", "竹居", "HOME-KITCHEN", "12.00", "0.300", "BAMBOOLIVING"),
    ("BL-TRAY-M", "竹制托盘（中号）", "竹居", "HOME-DECOR", "28.00", "0.800", "BAMBOOLIVING"),
    ("BL-BOARD", "竹砧板（大号）", "竹居", "HOME-KITCHEN", "26.00", "1.200", "BAMBOOLIVING"),
    ("BL-BOX-3", "竹制收纳盒三件套", "竹居", "HOME-DECOR", "36.00", "1.000", "BAMBOOLIVING"),
    ("BL-STEAMER", "竹蒸笼两层 26 厘米", "竹居", "HOME-KITCHEN", "32.00", "0.900", "BAMBOOLIVING"),
    ("BL-BATHMAT", "竹制浴室防滑垫", "竹居", "HOME-DECOR", "29.00", "1.400", "BAMBOOLIVING"),
    ("BL-HANGER-10", "竹衣架十个装", "竹居", "HOME-DECOR", "18.00", "0.900", "BAMBOOLIVING"),
    ("BL-TOWEL-2", "竹纤维毛巾两条装", "竹居", "HOME-DECOR", "22.00", "0.400", "BAMBOOLIVING"),
    ("PT-LONGJING", "西湖龙井绿茶 250 克", "熊猫茶舍", "HOME-KITCHEN", "68.00", "0.300", "PANDATEA"),
    ("PT-TIEGUANYIN", "安溪铁观音 250 克", "熊猫茶舍", "HOME-KITCHEN", "48.00", "0.300", "PANDATEA"),
    ("PT-PUER", "云南普洱茶饼 357 克", "熊猫茶舍", "HOME-KITCHEN", "58.00", "0.400", "PANDATEA"),
    ("PT-JASMINE", "福州茉莉花茶 200 克", "熊猫茶舍", "HOME-KITCHEN", "32.00", "0.250", "PANDATEA"),
    ("PT-WHITE", "福鼎白茶 200 克", "熊猫茶舍", "HOME-KITCHEN", "52.00", "0.250", "PANDATEA"),
    ("PT-BLACK", "正山小种红茶 250 克", "熊猫茶舍", "HOME-KITCHEN", "42.00", "0.300", "PANDATEA"),
    ("PT-TEASET", "青瓷功夫茶具套装", "熊猫茶舍", "HOME-KITCHEN", "88.00", "2.200", "PANDATEA"),
    ("PT-GLASSPOT", "耐热玻璃茶壶 600 毫升", "熊猫茶舍", "HOME-KITCHEN", "26.00", "0.600", "PANDATEA"),
    ("UT-HOODIE", "Oversized hoodie", "Urban Threads", "FASHION", "55.00", "0.700", "URBANTHREADS"),
    ("UT-CARGO", "Cargo trousers", "Urban Threads", "FASHION", "59.00", "0.650", "URBANTHREADS"),
    ("UT-LINEN", "Linen shirt", "Urban Threads", "FASHION", "49.00", "0.300", "URBANTHREADS"),
    ("UT-KNIT", "Chunky knit jumper", "Urban Threads", "FASHION", "65.00", "0.750", "URBANTHREADS"),
    ("UT-BUCKET", "Bucket hat", "Urban Threads", "FASHION", "22.00", "0.100", "URBANTHREADS"),
    ("UT-TOTE", "Canvas tote bag", "Urban Threads", "FASHION", "18.00", "0.200", "URBANTHREADS"),
    ("UT-SHORTS", "Chino shorts", "Urban Threads", "FASHION", "35.00", "0.300", "URBANTHREADS"),
    ("UT-VEST", "Puffer vest", "Urban Threads", "FASHION", "69.00", "0.500", "URBANTHREADS"),
]
# fmt: on

# Products no longer sold (kept for old orders).
DISCONTINUED = {"BL-TRAY-M", "PH-LITE-GRN", "CP-LAP-16"}
# Where own products are kept: category -> warehouses (LA01 for some only).
WAREHOUSES_OF = {
    "ELEC-PHONE": ["SH01", "LA01"],
    "ELEC-COMP": ["SH01", "LA01"],
    "ELEC-AUDIO": ["SH01", "LA01"],
    "HOME-KITCHEN": ["SZ01", "SH01"],
    "HOME-DECOR": ["SZ01"],
    "FASHION": ["SH01", "SZ01"],
    "BOOKS": ["SH01", "LA01"],
    "SPORTS": ["SZ01", "LA01"],
    "TOYS": ["SZ01", "SH01"],
}


@dataclass
class Product:
    sku: str
    name: str
    brand: str | None
    category: str
    price: Decimal
    cost: Decimal | None
    weight: Decimal
    supplier: str | None = None
    seller: str | None = None
    active: bool = True
    popularity: float = 1.0
    barcode: str | None = None
    reorder_point: int = 0
    reorder_qty: int = 0
    safety_stock: int = 0
    # Warehouses that keep it (own products only).
    warehouses: list[str] = field(default_factory=list)


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ean13(rng: random.Random, prefix: str) -> str:
    digits = prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix)))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def make_products(rng: random.Random) -> list[Product]:
    products: list[Product] = []
    for stem, name, brand, category, price, share, weight, supplier, variants in LINES:
        for suffix, detail, extra in variants:
            sku = f"{stem}-{suffix}" if suffix else stem
            if stem == "PH-X200" and suffix == "BLK":
                sku = "PH-X200-BLK"
            full = (
                f"{name}, {detail}"
                if detail and not detail.startswith("(")
                else (f"{name} {detail}" if detail else name)
            )
            if stem == "PH-X200" and detail:
                full = f"X200 Smartphone 128 GB {detail}"
            selling = money(Decimal(price) + extra)
            products.append(
                Product(
                    sku=sku,
                    name=full,
                    brand=brand,
                    category=category,
                    price=selling,
                    cost=money(
                        selling
                        * Decimal(str(share))
                        * Decimal(str(rng.uniform(0.95, 1.05)))
                    ),
                    weight=Decimal(weight),
                    supplier=SUPPLIER_OF[supplier],
                    active=sku not in DISCONTINUED,
                    popularity=rng.lognormvariate(0, 0.9),
                    barcode=ean13(rng, "693" if supplier != "NH" else "735"),
                    warehouses=list(WAREHOUSES_OF[category]),
                )
            )
    for sku, name, brand, category, price, weight, seller in SELLER_PRODUCTS:
        products.append(
            Product(
                sku=sku,
                name=name,
                brand=brand,
                category=category,
                price=money(price),
                cost=None,
                weight=Decimal(weight),
                seller=seller,
                active=sku not in DISCONTINUED,
                popularity=rng.lognormvariate(0, 0.7),
            )
        )
    for product in products:
        # Some products are not kept in Los Angeles.
        if "LA01" in product.warehouses and rng.random() < 0.35:
            product.warehouses.remove("LA01")
    return products


def set_reorder_levels(products: list[Product], orders) -> None:
    """Reorder point and quantity after what each product sells in a week
    (per warehouse keeping it)."""
    sold: dict[str, int] = {}
    for order in orders:
        for line in order.lines:
            sold[line.product.sku] = sold.get(line.product.sku, 0) + line.qty
    for product in products:
        if product.seller is not None:
            continue
        weekly = sold.get(product.sku, 0) / 13 / max(len(product.warehouses), 1)
        product.safety_stock = max(1, math.ceil(weekly))
        product.reorder_point = max(2, math.ceil(weekly * 2) + product.safety_stock)
        product.reorder_qty = max(6, math.ceil(weekly * 6))


def product_records(products: list[Product]) -> list[dict]:
    out = []
    for product in products:
        values: dict = {"sku": product.sku, "name": product.name}
        if product.brand:
            values["brand"] = product.brand
        values["category"] = product.category
        values["price"] = product.price
        if product.cost is not None:
            values["cost"] = product.cost
        values["weight"] = product.weight
        if product.barcode:
            values["barcode"] = product.barcode
        if product.supplier:
            values["supplier"] = product.supplier
        if product.seller:
            values["seller"] = product.seller
        if product.seller is None:
            values["reorder_point"] = product.reorder_point
            values["reorder_qty"] = product.reorder_qty
        if not product.active:
            values["active"] = False
        out.append(values)
    return out


def supplier_records() -> list[dict]:
    return [
        {
            "name": name,
            "contact_name": contact,
            "email": email,
            "phone": phone,
            "lead_time_days": lead,
            "rating": rating,
        }
        for name, contact, email, phone, lead, rating in SUPPLIERS
    ]


def seller_records(accounts: dict[str, str]) -> list[dict]:
    """The sellers; `accounts`: {seller code: e-mail of the user who acts
    for the seller}."""
    out = []
    for code, name, email, phone, status, rating, commission in SELLERS:
        values = {"code": code, "name": name, "email": email}
        if phone:
            values["phone"] = phone
        if code in accounts:
            values["account"] = accounts[code]
        values["status"] = status
        if rating:
            values["rating"] = rating
        values["commission_rate"] = commission
        out.append(values)
    return out
