"""Hand-written tables that turn DDXPlus conditions into plausible patients (used by `generator.py`).

The public DDXPlus release links each condition to its evidences but carries no value distributions: it says that a
pneumothorax comes with pain and a pain location, not where the pain is. These tables supply what a clinician would
expect (typical sites, character, intensity ranges, time course, age range, presenting complaint); everything else
comes from the release. Values are written in the release's English value names ('side of the chest', 'a knife
stroke') so a test can check that each one exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PainProfile:
    """Where the pain is, where it spreads and what it is like. Sites are release location names without side;
    'name(L)' forces a side and 'name(both)' means both sides. 'nowhere' is a valid radiation."""

    sites: tuple[str, ...]
    radiation: tuple[str, ...]
    character: tuple[str, ...]
    intensity: tuple[int, int]
    speed: tuple[int, int]  # how fast it appeared, 0 (slowly) to 10 (instantly)
    precision: tuple[int, int]  # how precisely it is located, 0 to 10


@dataclass(frozen=True)
class RashProfile:
    sites: tuple[str, ...]
    colours: tuple[str, ...]
    pain: tuple[int, int]
    swelling: tuple[int, int]
    itch: tuple[int, int]
    large: float  # probability that lesions are larger than 1 cm
    peeling: float


@dataclass(frozen=True)
class Course:
    """How long ago the complaint began and how it came on."""

    unit: str
    low: int
    high: int
    manner: str


@dataclass(frozen=True)
class AgeRange:
    low: int
    high: int
    unit: str = "years"


@dataclass(frozen=True)
class ConditionProfile:
    """Everything the generator needs beyond the release for one condition."""

    presenting: tuple[str, ...]  # evidence codes of the presenting complaint, in the order the patient says them
    ages: tuple[AgeRange, ...]
    course: Course
    specialty: str
    female_share: float = 0.5
    pain: PainProfile | None = None
    rash: RashProfile | None = None
    swelling: tuple[str, ...] = ()
    travel: tuple[str, ...] = ()  # regions visited in the last 4 weeks (release values); empty: no travel
    travel_share: float = 1.0  # how often a case of the condition has travelled, when `travel` is set
    exclude: tuple[str, ...] = field(default_factory=tuple)  # evidences never used (implausible for the profile)


CHEST = ("upper chest", "lower chest")

PROFILES: dict[str, ConditionProfile] = {
    "Spontaneous pneumothorax": ConditionProfile(
        ("E_53", "E_66"),
        (AgeRange(18, 40),),
        Course("hours", 1, 8, "suddenly"),
        "pulmonology",
        female_share=0.25,
        pain=PainProfile(
            ("side of the chest", "posterior chest wall"),
            ("nowhere", "shoulder", "scapula"),
            ("sharp", "a knife stroke"),
            (5, 9),
            (8, 10),
            (5, 9),
        ),
    ),
    "Cluster headache": ConditionProfile(
        ("E_53", "E_127"),
        (AgeRange(22, 55),),
        Course("weeks", 1, 3, "in bouts that come on suddenly"),
        "neurology",
        female_share=0.25,
        pain=PainProfile(
            ("eye", "temple"),
            ("nowhere", "forehead", "cheek", "temple"),
            ("violent", "a knife stroke", "burning"),
            (8, 10),
            (7, 10),
            (6, 9),
        ),
    ),
    "Boerhaave": ConditionProfile(
        ("E_53", "E_211"),
        (AgeRange(40, 75),),
        Course("hours", 1, 6, "suddenly after vomiting"),
        "gastroenterology",
        female_share=0.3,
        pain=PainProfile(
            ("lower chest", "epigastric"),
            ("thoracic spine", "scapula(L)", "shoulder(L)", "nowhere"),
            ("heartbreaking", "violent", "sharp"),
            (7, 10),
            (8, 10),
            (3, 7),
        ),
    ),
    "Spontaneous rib fracture": ConditionProfile(
        ("E_53", "E_220"),
        (AgeRange(55, 88),),
        Course("days", 1, 6, "suddenly during a coughing fit"),
        "orthopaedics",
        female_share=0.65,
        pain=PainProfile(
            ("side of the chest", "posterior chest wall", "lower chest"),
            ("nowhere",),
            ("sharp", "a knife stroke", "sensitive"),
            (5, 8),
            (6, 10),
            (7, 10),
        ),
    ),
    "GERD": ConditionProfile(
        ("E_173", "E_53"),
        (AgeRange(25, 70),),
        Course("weeks", 3, 12, "gradually"),
        "gastroenterology",
        pain=PainProfile(
            ("epigastric", "lower chest"), ("nowhere", "upper chest", "pharynx"), ("burning",), (3, 6), (2, 5), (3, 6)
        ),
    ),
    "HIV (initial infection)": ConditionProfile(
        ("E_91", "E_88"),
        (AgeRange(18, 45),),
        Course("days", 5, 14, "gradually"),
        "infectious disease",
        female_share=0.3,
        pain=PainProfile(
            ("pharynx", "side of the neck"), ("nowhere",), ("sensitive", "burning", "tedious"), (3, 6), (2, 5), (3, 6)
        ),
        rash=RashProfile(("upper chest", "belly", "forearm(both)"), ("pink", "red"), (0, 1), (0, 2), (0, 4), 0.1, 0.0),
    ),
    "Anemia": ConditionProfile(
        ("E_89", "E_76"),
        (AgeRange(18, 80),),
        Course("weeks", 4, 12, "gradually"),
        "haematology",
        female_share=0.7,
        pain=PainProfile(
            ("forehead", "top of the head", "temple"), ("nowhere",), ("tedious", "heavy"), (2, 5), (1, 4), (1, 4)
        ),
    ),
    "Viral pharyngitis": ConditionProfile(
        ("E_53", "E_91"),
        (AgeRange(16, 50),),
        Course("days", 1, 4, "gradually"),
        "ENT",
        pain=PainProfile(
            ("pharynx", "tonsil(both)", "under the jaw"),
            ("nowhere", "ear"),
            ("burning", "sensitive", "sharp"),
            (3, 7),
            (3, 6),
            (5, 8),
        ),
    ),
    "Inguinal hernia": ConditionProfile(
        ("E_53",),
        (AgeRange(25, 75),),
        Course("weeks", 1, 8, "gradually"),
        "general surgery",
        female_share=0.12,
        pain=PainProfile(
            ("groin", "iliac fossa"),
            ("nowhere", "pubis", "thigh"),
            ("heavy", "tugging", "tedious", "sensitive"),
            (2, 6),
            (2, 6),
            (5, 9),
        ),
        rash=RashProfile(("groin",), ("pink", "red"), (1, 4), (3, 7), (0, 1), 1.0, 0.0),
    ),
    "Myasthenia gravis": ConditionProfile(
        ("E_52", "E_172"), (AgeRange(20, 75),), Course("weeks", 3, 12, "gradually"), "neurology", female_share=0.6
    ),
    "Whooping cough": ConditionProfile(
        ("E_203", "E_166"), (AgeRange(12, 60),), Course("weeks", 2, 6, "gradually, after a cold"), "infectious disease"
    ),
    "Anaphylaxis": ConditionProfile(
        ("E_66", "E_151"),
        (AgeRange(12, 60),),
        Course("minutes", 10, 45, "suddenly"),
        "allergy and immunology",
        pain=PainProfile(
            ("belly", "epigastric", "pharynx"),
            ("nowhere",),
            ("a cramp", "sickening", "burning"),
            (3, 7),
            (8, 10),
            (1, 4),
        ),
        rash=RashProfile(
            ("upper chest", "belly", "back of the neck", "forearm(both)", "thigh(both)"),
            ("red", "pink"),
            (0, 2),
            (3, 7),
            (6, 10),
            1.0,
            0.0,
        ),
        swelling=("bottom lip", "upper lip", "mouth", "eye(both)"),
    ),
    "Epiglottitis": ConditionProfile(
        ("E_53", "E_65"),
        (AgeRange(25, 70),),
        Course("hours", 6, 24, "quickly"),
        "ENT",
        female_share=0.35,
        pain=PainProfile(
            ("pharynx", "thyroid cartilage", "under the jaw"),
            ("nowhere", "ear"),
            ("sharp", "burning", "sensitive"),
            (7, 10),
            (6, 9),
            (5, 8),
        ),
    ),
    "Guillain-Barré syndrome": ConditionProfile(
        ("E_84", "E_93"),
        (AgeRange(20, 75),),
        Course("days", 3, 10, "gradually, spreading upwards"),
        "neurology",
        female_share=0.4,
    ),
    "Acute laryngitis": ConditionProfile(
        ("E_212", "E_53"),
        (AgeRange(18, 65),),
        Course("days", 1, 5, "gradually"),
        "ENT",
        pain=PainProfile(
            ("pharynx", "thyroid cartilage", "trachea"),
            ("nowhere",),
            ("burning", "sensitive", "tedious"),
            (2, 5),
            (3, 6),
            (4, 7),
        ),
    ),
    "Croup": ConditionProfile(
        ("E_202", "E_194"), (AgeRange(8, 48, "months"),), Course("days", 1, 3, "after a runny nose"), "paediatrics"
    ),
    "PSVT": ConditionProfile(
        ("E_155", "E_76"),
        (AgeRange(18, 55),),
        Course("minutes", 20, 120, "suddenly"),
        "cardiology",
        female_share=0.6,
        pain=PainProfile(CHEST, ("nowhere",), ("heavy", "a pulse", "tedious"), (2, 6), (8, 10), (2, 5)),
    ),
    "Atrial fibrillation": ConditionProfile(
        ("E_164", "E_155"), (AgeRange(55, 88),), Course("hours", 2, 48, "suddenly"), "cardiology"
    ),
    "Bronchiectasis": ConditionProfile(
        ("E_77", "E_201"), (AgeRange(40, 80),), Course("months", 3, 24, "gradually"), "pulmonology", female_share=0.6
    ),
    "Allergic sinusitis": ConditionProfile(
        ("E_181", "E_170"), (AgeRange(16, 50),), Course("weeks", 1, 8, "gradually"), "ENT"
    ),
    "Chagas": ConditionProfile(
        ("E_91", "E_151"),
        (AgeRange(18, 60),),
        Course("weeks", 1, 4, "gradually"),
        "infectious disease",
        pain=PainProfile(("belly", "lower chest"), ("nowhere",), ("tedious", "sensitive"), (2, 5), (1, 4), (1, 4)),
        swelling=("eye",),
        travel=("Central America", "South America"),
    ),
    "Scombroid food poisoning": ConditionProfile(
        ("E_92", "E_148"),
        (AgeRange(18, 70),),
        Course("minutes", 15, 60, "suddenly, soon after a meal"),
        "emergency medicine",
        rash=RashProfile(
            ("cheek(both)", "upper chest", "back of the neck"), ("red",), (0, 1), (0, 3), (2, 6), 1.0, 0.0
        ),
    ),
    "Myocarditis": ConditionProfile(
        ("E_53", "E_175"),
        (AgeRange(18, 45),),
        Course("days", 3, 14, "gradually, after a viral illness"),
        "cardiology",
        female_share=0.35,
        pain=PainProfile(
            ("upper chest", "lower chest", "side of the chest(L)"),
            ("nowhere", "shoulder(L)"),
            ("sharp", "heavy", "tedious"),
            (3, 7),
            (3, 7),
            (2, 5),
        ),
    ),
    "Larygospasm": ConditionProfile(("E_194",), (AgeRange(18, 70),), Course("minutes", 5, 30, "suddenly"), "ENT"),
    "Acute dystonic reactions": ConditionProfile(
        ("E_192", "E_180"), (AgeRange(15, 40),), Course("hours", 2, 24, "suddenly"), "neurology", female_share=0.4
    ),
    "Localized edema": ConditionProfile(
        ("E_151",),
        (AgeRange(30, 80),),
        Course("weeks", 1, 6, "gradually"),
        "general medicine",
        female_share=0.6,
        pain=PainProfile(
            ("ankle", "calf", "dorsal aspect of the foot"),
            ("nowhere",),
            ("heavy", "tedious", "sensitive"),
            (1, 4),
            (1, 4),
            (2, 5),
        ),
        swelling=("ankle(both)", "calf(both)", "dorsal aspect of the foot(both)", "tibia(both)"),
    ),
    "SLE": ConditionProfile(
        ("E_53", "E_129"),
        (AgeRange(18, 45),),
        Course("months", 2, 6, "gradually"),
        "rheumatology",
        female_share=0.9,
        pain=PainProfile(
            ("knee(both)", "dorsal aspect of the wrist(both)", "elbow(both)"),
            ("nowhere",),
            ("tedious", "sensitive", "heavy"),
            (3, 6),
            (1, 4),
            (3, 7),
        ),
        rash=RashProfile(("cheek(both)", "nose"), ("red", "pink"), (0, 2), (0, 3), (0, 3), 1.0, 0.3),
    ),
    "Tuberculosis": ConditionProfile(
        ("E_201", "E_162"),
        (AgeRange(18, 70),),
        Course("weeks", 4, 12, "gradually"),
        "infectious disease",
        female_share=0.35,
        travel=("Asia", "South East Asia", "West Africa"),
        travel_share=0.5,
    ),
    "Unstable angina": ConditionProfile(
        ("E_53", "E_14"),
        (AgeRange(45, 82),),
        Course("weeks", 1, 2, "and has been getting worse"),
        "cardiology",
        female_share=0.35,
        pain=PainProfile(
            CHEST + ("side of the chest(L)",),
            ("shoulder(L)", "biceps(L)", "jaw", "side of the neck(L)", "nowhere"),
            ("heavy", "tedious", "burning"),
            (4, 8),
            (3, 7),
            (1, 4),
        ),
    ),
    "Stable angina": ConditionProfile(
        ("E_53", "E_218"),
        (AgeRange(45, 82),),
        Course("months", 2, 6, "gradually"),
        "cardiology",
        female_share=0.35,
        pain=PainProfile(
            CHEST, ("shoulder(L)", "biceps(L)", "jaw", "nowhere"), ("heavy", "tedious"), (3, 6), (3, 6), (1, 4)
        ),
    ),
    "Ebola": ConditionProfile(
        ("E_91", "E_178"),
        (AgeRange(18, 60),),
        Course("days", 2, 7, "suddenly"),
        "infectious disease",
        travel=("West Africa",),
    ),
    "Acute otitis media": ConditionProfile(
        ("E_53", "E_91"),
        (AgeRange(1, 8), AgeRange(18, 45)),
        Course("days", 1, 3, "quickly"),
        "ENT",
        pain=PainProfile(
            ("ear",),
            ("nowhere", "side of the neck", "temple"),
            ("sharp", "a pulse", "sensitive"),
            (4, 8),
            (4, 8),
            (6, 10),
        ),
    ),
    "Panic attack": ConditionProfile(
        ("E_155", "E_75"),
        (AgeRange(18, 45),),
        Course("minutes", 10, 30, "suddenly"),
        "psychiatry",
        female_share=0.65,
        pain=PainProfile(
            CHEST + ("side of the chest(L)",), ("nowhere",), ("sharp", "heavy", "scary"), (3, 7), (7, 10), (1, 4)
        ),
    ),
    "Bronchospasm / acute asthma exacerbation": ConditionProfile(
        ("E_66", "E_214"), (AgeRange(12, 50),), Course("days", 1, 3, "gradually"), "pulmonology"
    ),
    "Bronchitis": ConditionProfile(
        ("E_201", "E_77"),
        (AgeRange(18, 70),),
        Course("days", 5, 14, "gradually, after a cold"),
        "general practice",
        pain=PainProfile(
            CHEST + ("trachea",), ("nowhere",), ("burning", "tedious", "sensitive"), (2, 5), (2, 5), (2, 5)
        ),
    ),
    "Acute COPD exacerbation / infection": ConditionProfile(
        ("E_66", "E_77"), (AgeRange(50, 85),), Course("days", 2, 7, "gradually"), "pulmonology"
    ),
    "Pulmonary embolism": ConditionProfile(
        ("E_66", "E_53"),
        (AgeRange(25, 75),),
        Course("hours", 2, 36, "suddenly"),
        "pulmonology",
        pain=PainProfile(
            ("side of the chest", "lower chest", "posterior chest wall"),
            ("nowhere", "shoulder", "scapula"),
            ("sharp", "a knife stroke"),
            (4, 8),
            (7, 10),
            (4, 8),
        ),
        swelling=("calf", "ankle", "thigh"),
    ),
    "URTI": ConditionProfile(
        ("E_181", "E_97"),
        (AgeRange(16, 65),),
        Course("days", 1, 5, "gradually"),
        "general practice",
        pain=PainProfile(
            ("pharynx", "forehead", "top of the head"),
            ("nowhere",),
            ("burning", "sensitive", "tedious"),
            (2, 5),
            (2, 5),
            (3, 6),
        ),
    ),
    "Influenza": ConditionProfile(
        ("E_91", "E_144"),
        (AgeRange(16, 75),),
        Course("days", 1, 4, "suddenly"),
        "general practice",
        pain=PainProfile(
            ("forehead", "top of the head", "lumbar spine"),
            ("nowhere",),
            ("tedious", "heavy", "exhausting"),
            (3, 7),
            (4, 8),
            (1, 4),
        ),
        rash=RashProfile(("upper chest", "belly"), ("pink",), (0, 1), (0, 1), (0, 2), 0.0, 0.0),
    ),
    "Pneumonia": ConditionProfile(
        ("E_91", "E_201"),
        (AgeRange(18, 85),),
        Course("days", 2, 7, "gradually"),
        "pulmonology",
        pain=PainProfile(
            ("side of the chest", "posterior chest wall", "lower chest"),
            ("nowhere", "shoulder"),
            ("sharp", "a knife stroke", "tedious"),
            (3, 7),
            (3, 7),
            (3, 7),
        ),
        rash=RashProfile(("forearm(both)", "upper chest", "belly"), ("pink", "red"), (0, 2), (0, 2), (0, 3), 0.5, 0.0),
    ),
    "Acute rhinosinusitis": ConditionProfile(
        ("E_53", "E_182"),
        (AgeRange(18, 65),),
        Course("days", 10, 20, "after a cold"),
        "ENT",
        pain=PainProfile(
            ("forehead", "cheek", "nose"),
            ("nowhere", "upper teeth", "temple"),
            ("heavy", "tedious", "sensitive"),
            (3, 7),
            (2, 5),
            (4, 7),
        ),
    ),
    "Chronic rhinosinusitis": ConditionProfile(
        ("E_181", "E_103"),
        (AgeRange(25, 70),),
        Course("months", 3, 12, "gradually"),
        "ENT",
        pain=PainProfile(
            ("forehead", "cheek(both)", "nose"),
            ("nowhere", "upper teeth"),
            ("heavy", "tedious"),
            (2, 5),
            (1, 3),
            (3, 6),
        ),
    ),
    "Bronchiolitis": ConditionProfile(
        ("E_201", "E_66"), (AgeRange(2, 18, "months"),), Course("days", 2, 5, "after a runny nose"), "paediatrics"
    ),
    "Pulmonary neoplasm": ConditionProfile(
        ("E_201", "E_162"),
        (AgeRange(50, 85),),
        Course("months", 2, 6, "gradually"),
        "oncology",
        female_share=0.4,
        pain=PainProfile(
            ("upper chest", "side of the chest", "posterior chest wall", "scapula"),
            ("nowhere", "shoulder"),
            ("tedious", "heavy", "sharp"),
            (2, 6),
            (1, 3),
            (2, 6),
        ),
    ),
    "Possible NSTEMI / STEMI": ConditionProfile(
        ("E_53", "E_50"),
        (AgeRange(45, 85),),
        Course("hours", 1, 4, "suddenly"),
        "cardiology",
        female_share=0.35,
        pain=PainProfile(
            CHEST + ("side of the chest(L)", "epigastric"),
            ("shoulder(L)", "biceps(L)", "forearm(L)", "jaw", "side of the neck(L)", "scapula(L)", "nowhere"),
            ("heavy", "tedious", "burning", "sickening"),
            (6, 10),
            (5, 9),
            (1, 4),
        ),
    ),
    "Sarcoidosis": ConditionProfile(
        ("E_66", "E_129"),
        (AgeRange(25, 55),),
        Course("weeks", 4, 16, "gradually"),
        "pulmonology",
        female_share=0.6,
        pain=PainProfile(("ankle(both)", "knee(both)"), ("nowhere",), ("tedious", "sensitive"), (2, 5), (1, 4), (3, 6)),
        rash=RashProfile(("tibia(both)",), ("red", "pink", "dark"), (3, 6), (3, 6), (0, 2), 1.0, 0.0),
    ),
    "Pancreatic neoplasm": ConditionProfile(
        ("E_53", "E_162"),
        (AgeRange(55, 85),),
        Course("weeks", 4, 12, "gradually"),
        "oncology",
        pain=PainProfile(
            ("epigastric", "hypochondrium(L)"),
            ("thoracic spine", "lumbar spine", "nowhere"),
            ("tedious", "heavy", "a cramp"),
            (3, 7),
            (1, 3),
            (2, 5),
        ),
        rash=RashProfile(("belly", "forearm(both)"), ("yellow",), (0, 0), (0, 0), (4, 8), 1.0, 0.0),
    ),
    "Acute pulmonary edema": ConditionProfile(
        ("E_66", "E_67"),
        (AgeRange(55, 88),),
        Course("hours", 2, 12, "quickly"),
        "cardiology",
        pain=PainProfile(CHEST, ("nowhere",), ("heavy", "tedious"), (2, 6), (4, 8), (1, 4)),
        swelling=("ankle(both)", "calf(both)"),
    ),
    "Pericarditis": ConditionProfile(
        ("E_53", "E_217"),
        (AgeRange(18, 55),),
        Course("days", 1, 3, "fairly quickly"),
        "cardiology",
        female_share=0.35,
        pain=PainProfile(
            CHEST + ("side of the chest(L)",),
            ("nowhere", "trapezius(L)", "trapezius(R)", "back of the neck"),
            ("sharp", "a knife stroke"),
            (4, 8),
            (4, 8),
            (3, 7),
        ),
    ),
}

# Patient-facing wording of release values. Some release translations are literal ('heartbreaking' for 'déchirante').
CHARACTER_WORDS = {
    "heartbreaking": "tearing",
    "haunting": "shooting",
    "tedious": "nagging",
    "sensitive": "tender",
    "a knife stroke": "stabbing",
    "tugging": "pulling",
    "burning": "burning",
    "a cramp": "cramping",
    "heavy": "heavy",
    "a pulse": "throbbing",
    "violent": "violent",
    "sharp": "sharp",
    "sickening": "sickening",
    "scary": "frightening",
    "exhausting": "exhausting",
}

# Release location -> (wording with one side, wording for both sides or None, words a question about it may use).
SITES: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "side of the chest": ("the {side} side of my chest", "both sides of my chest", ("chest",)),
    "posterior chest wall": ("the {side} side of my upper back", "my upper back", ("chest", "back")),
    "upper chest": ("my upper chest", None, ("chest",)),
    "lower chest": ("my lower chest", None, ("chest",)),
    "shoulder": ("my {side} shoulder", "both shoulders", ("shoulder",)),
    "scapula": ("my {side} shoulder blade", "both shoulder blades", ("shoulder blade", "back")),
    "trapezius": ("the top of my {side} shoulder", "the tops of both shoulders", ("shoulder", "neck")),
    "eye": ("my {side} eye", "both eyes", ("eye", "eyes")),
    "temple": ("my {side} temple", "both temples", ("head", "headache", "temple")),
    "forehead": ("my forehead", None, ("head", "headache", "forehead", "face")),
    "top of the head": ("the top of my head", None, ("head", "headache")),
    "cheek": ("my {side} cheek", "both cheeks", ("cheek", "cheeks", "face")),
    "nose": ("my nose", None, ("nose", "face")),
    "upper teeth": ("my {side} upper teeth", "my upper teeth", ("teeth", "tooth")),
    "epigastric": ("the top of my belly", None, ("belly", "stomach", "abdomen", "abdominal", "tummy")),
    "belly": ("my belly", None, ("belly", "stomach", "abdomen", "abdominal", "tummy")),
    "hypochondrium": (
        "my belly under the {side} ribs",
        "my belly under the ribs",
        ("belly", "stomach", "abdomen", "abdominal", "tummy", "ribs"),
    ),
    "iliac fossa": (
        "the {side} side of my lower belly",
        "my lower belly",
        ("belly", "stomach", "abdomen", "abdominal", "tummy"),
    ),
    "groin": ("my {side} groin", "both sides of my groin", ("groin",)),
    "pubis": ("just above my pubic bone", None, ("groin", "pubic")),
    "thigh": ("my {side} thigh", "both thighs", ("thigh", "leg", "legs")),
    "thoracic spine": ("the middle of my back", None, ("back",)),
    "lumbar spine": ("my lower back", None, ("back", "lower back")),
    "back of the neck": ("the back of my neck", None, ("neck",)),
    "side of the neck": ("the {side} side of my neck", "both sides of my neck", ("neck",)),
    "pharynx": ("my throat", None, ("throat",)),
    "tonsil": ("my {side} tonsil", "both tonsils", ("throat", "tonsil", "tonsils")),
    "thyroid cartilage": ("the front of my throat", None, ("throat",)),
    "trachea": ("my windpipe", None, ("throat", "windpipe")),
    "under the jaw": ("under my jaw", None, ("jaw", "neck")),
    "jaw": ("my jaw", None, ("jaw",)),
    "ear": ("my {side} ear", "both ears", ("ear", "ears", "earache")),
    "biceps": ("my {side} upper arm", "both upper arms", ("arm", "arms")),
    "forearm": ("my {side} forearm", "both forearms", ("arm", "arms", "forearm")),
    "elbow": ("my {side} elbow", "both elbows", ("elbow", "elbows", "joints")),
    "dorsal aspect of the wrist": (
        "the back of my {side} wrist",
        "the backs of both wrists",
        ("wrist", "wrists", "joints"),
    ),
    "knee": ("my {side} knee", "both knees", ("knee", "knees", "joints")),
    "ankle": ("my {side} ankle", "both ankles", ("ankle", "ankles", "legs")),
    "calf": ("my {side} calf", "both calves", ("calf", "calves", "leg", "legs")),
    "tibia": ("my {side} shin", "both shins", ("shin", "shins", "leg", "legs")),
    "dorsal aspect of the foot": ("the top of my {side} foot", "the tops of both feet", ("foot", "feet")),
    "mouth": ("my mouth", None, ("mouth",)),
    "bottom lip": ("my bottom lip", None, ("lip", "lips")),
    "upper lip": ("my upper lip", None, ("lip", "lips")),
}

REGIONS = {"Caraibes": "the Caribbean"}  # release spelling -> English

# What to call a presenting complaint in a scenario title.
COMPLAINTS = {
    "E_53": "pain",
    "E_66": "shortness of breath",
    "E_127": "watery eyes",
    "E_211": "vomiting",
    "E_220": "pain on breathing",
    "E_173": "heartburn",
    "E_91": "fever",
    "E_88": "exhaustion",
    "E_89": "tiredness",
    "E_76": "dizziness",
    "E_52": "double vision",
    "E_172": "drooping eyelids",
    "E_203": "coughing fits",
    "E_166": "vomiting after coughing",
    "E_151": "swelling",
    "E_65": "difficulty swallowing",
    "E_84": "weakness",
    "E_93": "numb feet",
    "E_212": "hoarse voice",
    "E_202": "barking cough",
    "E_194": "noisy breathing",
    "E_155": "palpitations",
    "E_164": "irregular heartbeat",
    "E_77": "productive cough",
    "E_201": "cough",
    "E_181": "runny nose",
    "E_170": "itchy eyes",
    "E_92": "flushing",
    "E_148": "nausea",
    "E_175": "malaise",
    "E_192": "neck spasm",
    "E_180": "eyes rolling up",
    "E_129": "rash",
    "E_162": "weight loss",
    "E_14": "chest pain at rest",
    "E_218": "pain on exertion",
    "E_178": "bleeding",
    "E_75": "choking feeling",
    "E_214": "wheeze",
    "E_182": "nasal discharge",
    "E_97": "sore throat",
    "E_144": "aching muscles",
    "E_103": "loss of smell",
    "E_50": "sweating",
    "E_67": "night breathlessness",
    "E_217": "pain lying down",
}

OCCUPATIONS = (
    "teacher",
    "accountant",
    "nurse",
    "bus driver",
    "shop assistant",
    "software developer",
    "electrician",
    "chef",
    "office manager",
    "plumber",
    "hairdresser",
    "warehouse worker",
    "cleaner",
    "graphic designer",
    "lawyer",
    "mechanic",
    "care worker",
    "delivery driver",
    "librarian",
    "police officer",
    "receptionist",
    "engineer",
)
# Antecedents that fix the occupation.
OCCUPATION_EVIDENCE = {
    "E_198": "farm worker",
    "E_200": "miner",
    "E_199": "construction worker",
    "E_49": "daycare worker",
}

STYLES = ("plain", "terse", "chatty", "anxious", "stoic")
STYLE_DESCRIPTIONS = {
    "plain": "answers plainly",
    "terse": "gives short answers",
    "chatty": "talkative and adds detail",
    "anxious": "worried and a little nervous",
    "stoic": "plays the symptoms down",
}

# Conditions under which a patient lacks something that another evidence asserts: never deny A while B is present.
CONFLICT_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"E_201", "E_77", "E_203", "E_166", "E_45", "E_202"}),  # cough and its kinds
    frozenset({"E_53", "E_14", "E_220", "E_33", "E_216", "E_221", "E_97", "E_144", "E_38", "E_206"}),  # pain
    frozenset({"E_174", "E_162", "E_161", "E_32"}),  # weight and appetite
    frozenset({"E_76", "E_82"}),  # dizziness
    frozenset({"E_88", "E_89", "E_175"}),  # fatigue
    frozenset({"E_93", "E_157", "E_177"}),  # numbness
    frozenset({"E_84", "E_176", "E_83", "E_156", "E_90"}),  # weakness
    frozenset({"E_66", "E_64", "E_67"}),  # breathlessness
    frozenset({"E_155", "E_164"}),  # palpitations
    frozenset({"E_148", "E_211", "E_166", "E_210"}),  # nausea and vomiting
    frozenset({"E_181", "E_182"}),  # nose
    frozenset({"E_116", "E_0"}),  # recent infection
    frozenset({"E_124", "E_46", "E_101"}),  # asthma
    frozenset({"E_123", "E_31", "E_72"}),  # COPD
    frozenset({"E_16", "E_81"}),  # anxiety
    frozenset({"E_79", "E_191", "E_222"}),  # smoking
    frozenset({"E_129", "E_92"}),  # skin redness
)

# At most one evidence of each group per patient (they describe the same thing differently).
EXCLUSIVE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("E_79", "E_191"),
    ("E_207", "E_195", "E_183"),
    ("E_198", "E_200", "E_199", "E_49"),
)

# Antecedents that mean the patient takes regular medicines (used when no medicine evidence is present).
TREATED_CONDITIONS = frozenset(
    {
        "E_104",
        "E_71",
        "E_69",
        "E_124",
        "E_123",
        "E_31",
        "E_106",
        "E_19",
        "E_113",
        "E_20",
        "E_47",
        "E_81",
        "E_80",
        "E_95",
        "E_22",
        "E_139",
        "E_105",
        "E_153",
        "E_2",
    }
)

# Parent's wording for evidences whose converted first-person wording would be odd for a child.
CHILD_WORDING = {
    "E_49": ("{He} goes to daycare.", "{He} doesn't go to daycare."),
    "E_48": ("There are four or more people in our household.", "No, it's a small household."),
    "E_207": ("We live in a big city.", "No, we don't live in a city."),
    "E_195": ("We live in the suburbs.", "No, we don't live in the suburbs."),
    "E_183": ("We live out in the countryside.", "No, we don't live in the countryside."),
    "E_222": ("Someone smokes around {him} every day.", "No, nobody smokes around {him}."),
}

# The names that request the triage temperature of a febrile generated case (its one examination finding).
VITAL_SIGNS = tuple(
    "vital signs, vitals, observations, temperature, pulse, blood pressure, heart rate, respiratory rate, "
    "oxygen saturation".split(", ")
)
