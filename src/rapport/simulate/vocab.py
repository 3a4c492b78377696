"""Words the synthetic world writes with: topics, their vocabularies, names and templates.

Everything here is invented or generic. Names are built from syllables and the brand domain
uses the reserved ``.example`` top-level domain, so nothing points at a real person or site.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CONTENT_KINDS",
    "NAME_SYLLABLES",
    "TOPICS",
    "Topic",
    "topic_index",
]

CONTENT_KINDS: tuple[str, ...] = (
    "promo", "educational", "question", "news", "throwback", "behind_the_scenes",
)  # fmt: skip
"""The broadcast content kinds the own account and the competitors publish."""


@dataclass(frozen=True)
class Topic:
    """One interest: the words people who care about it use."""

    name: str
    nouns: tuple[str, ...]
    """Things of the topic, used in posts, replies and bios."""
    skills: tuple[str, ...]
    """Things one learns ("how to ..."), for educational posts."""
    roles: tuple[str, ...]
    """What a person who loves the topic calls themselves, for bios."""
    hashtags: tuple[str, ...]
    businesses: tuple[str, ...]
    """Words for a business of the topic, for account names."""
    audience: str
    """A description of the people who care, for ``target_audience``."""


TOPICS: tuple[Topic, ...] = (
    Topic(
        "baking",
        (
            "sourdough",
            "croissant",
            "rye loaf",
            "cinnamon bun",
            "focaccia",
            "baguette",
            "brioche",
            "levain",
            "seeded loaf",
            "almond tart",
        ),
        (
            "shape a boule",
            "feed a starter",
            "laminate dough",
            "score a loaf",
            "proof overnight",
            "bake with rye flour",
        ),
        ("home baker", "sourdough nerd", "pastry lover", "bread enthusiast", "weekend baker"),
        ("sourdough", "baking", "realbread", "pastry", "breadmaking"),
        ("Bakehouse", "Bread Co", "Crumb Studio", "Oven Works", "Loaf & Larder"),
        "home bakers and sourdough lovers who care about real, slow-fermented bread",
    ),
    Topic(
        "coffee",
        ("espresso", "pour-over", "cold brew", "flat white", "light roast", "grinder"),
        ("dial in espresso", "brew a pour-over", "steam milk", "store beans"),
        ("coffee geek", "espresso fan", "latte artist", "bean hunter"),
        ("coffee", "specialtycoffee", "espresso", "latteart"),
        ("Roasters", "Coffee Bar", "Bean Room"),
        "specialty coffee drinkers",
    ),
    Topic(
        "gardening",
        ("tomato seedling", "raised bed", "compost", "dahlia", "herb pot", "allotment"),
        ("start seeds indoors", "build compost", "prune roses", "save seeds"),
        ("allotment keeper", "plant parent", "grower", "balcony gardener"),
        ("gardening", "growyourown", "allotment", "plants"),
        ("Nursery", "Garden Supply", "Seed Shed"),
        "home gardeners",
    ),
    Topic(
        "cycling",
        ("gravel bike", "group ride", "chain lube", "climb", "saddle", "crit race"),
        ("fix a puncture", "pace a climb", "clean a chain", "fit a saddle"),
        ("cyclist", "gravel rider", "bike commuter", "club rider"),
        ("cycling", "gravel", "bikelife", "roadcycling"),
        ("Cycles", "Bike Shop", "Wheelworks"),
        "cyclists",
    ),
    Topic(
        "gaming",
        ("speedrun", "co-op game", "indie game", "controller", "boss fight", "retro console"),
        ("beat a boss", "build a gaming pc", "stream a run"),
        ("gamer", "speedrunner", "streamer", "retro collector"),
        ("gaming", "indiegames", "speedrun", "retrogaming"),
        ("Games", "Arcade", "Pixel Hub"),
        "gamers",
    ),
    Topic(
        "fitness",
        ("deadlift", "morning run", "kettlebell", "rest day", "protein shake", "5k"),
        ("warm up properly", "train for a 5k", "deadlift safely"),
        ("runner", "lifter", "gym regular", "marathoner"),
        ("fitness", "running", "gym", "strengthtraining"),
        ("Fitness", "Gym", "Athletics"),
        "fitness fans",
    ),
    Topic(
        "music",
        ("vinyl", "live set", "synth", "bass line", "mixtape", "gig"),
        ("tune a guitar", "mix a track", "play a scale"),
        ("vinyl collector", "bassist", "music head", "gig goer"),
        ("music", "vinyl", "livemusic", "synth"),
        ("Records", "Music Store", "Sound Lab"),
        "music lovers",
    ),
    Topic(
        "travel",
        ("night train", "backpack", "hostel", "mountain hut", "city break", "ferry"),
        ("pack light", "find cheap trains", "plan a city break"),
        ("traveller", "backpacker", "slow traveller", "digital nomad"),
        ("travel", "slowtravel", "wanderlust", "backpacking"),
        ("Travel", "Tours", "Trips"),
        "travellers",
    ),
    Topic(
        "photography",
        ("film camera", "35mm", "golden hour", "prime lens", "darkroom", "portrait"),
        ("shoot at golden hour", "develop film", "frame a portrait"),
        ("photographer", "film shooter", "street photographer"),
        ("photography", "filmphotography", "35mm", "streetphotography"),
        ("Camera Shop", "Photo Lab", "Lens House"),
        "photographers",
    ),
    Topic(
        "pets",
        ("puppy", "cat tree", "dog walk", "rescue cat", "chew toy", "vet visit"),
        ("train a puppy", "trim claws", "socialise a rescue"),
        ("dog person", "cat parent", "rescue volunteer"),
        ("dogsofinstagram", "cats", "adoptdontshop", "pets"),
        ("Pet Supply", "Pet Shop", "Paws"),
        "pet owners",
    ),
)
"""Every interest of the world; the brand's topic is one of them (``WorldParams.brand_topic``)."""


def topic_index(name: str) -> int:
    """The index of a topic by name; raises ``KeyError`` for an unknown one."""
    for index, topic in enumerate(TOPICS):
        if topic.name == name:
            return index
    raise KeyError(name)


NAME_SYLLABLES: tuple[str, ...] = (
    "ka", "lo", "mi", "ren", "sa", "to", "vel", "dor", "ni", "ra", "fen", "li", "mar", "zu",
    "bel", "cor", "da", "ek", "fi", "gor", "hal", "in", "jo", "kem", "lu", "mo", "nel", "or",
    "pa", "qui", "ro", "sel", "tam", "ul", "vor", "wen", "ya", "zel", "bri", "cal",
)  # fmt: skip
"""Syllables that handles and display names are built from (never real names on purpose)."""

BIO_OPENERS: tuple[str, ...] = (
    "", "Proud ", "Part-time ", "Lifelong ", "Aspiring ", "Occasional ", "Happy ",
)  # fmt: skip
BIO_LINKERS: tuple[str, ...] = (" · also into ", " | ", ". Loves ", " & ", " — ")
BIO_CLOSERS: tuple[str, ...] = (
    "", ". Opinions my own.", ". She/her.", ". He/him.", ". They/them.", ". Coffee first.",
    ". Mostly lurking.", ". Say hi!",
)  # fmt: skip

PROMO_OFFERS: tuple[str, ...] = (
    "20% off", "Two for one", "Free delivery", "15% off", "A free tote with every order",
    "Early-bird pricing",
)  # fmt: skip
CITIES: tuple[str, ...] = ("Harbourside", "Northfield", "Old Town", "Riverside", "Eastgate")
TEAM_NAMES: tuple[str, ...] = ("Rena", "Tomo", "Kalo", "Mira", "Dorin", "Sel")
