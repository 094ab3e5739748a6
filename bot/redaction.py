"""Remove what could identify a visitor from a question before it is stored.

Visitors type their names, e-mail addresses (sometimes spelled out: "jane dot smith at gmail dot com"),
phone numbers, street addresses and postcodes, dates of birth in words, record numbers and their age.
Each kind has its rules below; a rule finds spans, and the earlier kind wins where spans overlap.
What is left is the clinic question: "i'm 47 with diabetes, can I have microneedling?" is stored as
"i'm [age] with diabetes, can I have microneedling?". Plain regular expressions: microseconds a question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class Tag(StrEnum):
    """What replaces each kind of detail in the stored question."""

    EMAIL = "[email]"
    PHONE = "[phone]"
    ID = "[id]"
    DATE = "[date]"
    ADDRESS = "[address]"
    POSTCODE = "[postcode]"
    AGE = "[age]"
    NAME = "[name]"
    NUMBER = "[number]"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    tag: Tag


# --- words ---------------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL_WORD = (
    r"(?:(?:twenty|thirty)[\s-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|first|second|third"
    r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth"
    r"|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})\b"
_NUMBER_WORD = (
    r"(?:hundred|oh|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty"
    r"|forty|fifty|sixty|seventy|eighty|ninety|one|two|three|four|five|six|seven|eight|nine)"
)
_YEAR = rf"(?:(?:19|20)\d{{2}}\b|'\d{{2}}\b|(?:nineteen|twenty)(?:[\s-]+{_NUMBER_WORD}){{1,3}}\b)"


# Words that follow "I'm", "this is" or a title without being a name. Compared in lower case.
def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NOT_NAMES = _word_set(
    """
    a about above after again against all almost also always am an and another any anyone are around as ask asking at
    available away back bad be because been before being below best better between both but by calling can cannot
    clinic could currently did do does doing done down due during each either else enough even ever every few fine
    for from further getting glad going gonna good great had happy has have having he hello her here hers herself hey
    hi him himself his hoping how i if im in interested into is it its itself just keen last later less like little
    looking lot many may maybe me might mine more most much must my myself near need needs never new next no nobody
    nor not nothing now of off often ok okay old on once one only or other our ours ourselves out over own pleased
    please pretty probably quite rather ready really right same scared see seeing she should since so some someone
    something soon sorry still such sure than thank thanks that the their theirs them themselves then there these
    they thinking this those though through thinking to today tomorrow too trying under unsure until up upon us very
    was we well were what when where which while who whom why will with worried would writing yes yesterday yet you
    your yours yourself nervous pregnant breastfeeding allergic diabetic afraid anxious considering planning wondering
    concerned confused curious excited unable also already booked calling emailing messaging told treated seen
    patient client customer member regular man woman male female mum mom dad mother father parent student nurse
    doctor dr free busy late early single married over under allergic vegan vegetarian private nhs wanting after
    mr mrs ms miss mx prof catholic christian muslim jewish hindu sikh buddhist british english irish scottish welsh
    american canadian australian asian black white
    """
)

# Common first names, so that a name typed in lower case after "i'm" or "my daughter" is still found.
_FIRST_NAMES = _word_set(
    """
    aaron abby abigail adam adrian aisha alex alexander alice alicia amanda amber amelia amy ana andrea andrew angela
    anna anne anthony ava ben benjamin beth bethany brian caroline carol catherine charlie charlotte chloe chris
    christine claire daniel david dave debbie donna ella ellie emily emma eric ethan eve fatima finn freya gary
    george grace hannah harry helen henry holly isabella isla jack jacob james jamie jane jason jennifer jess jessica
    joe john jordan joseph josh julia karen kate katie kelly kevin laura lauren leah liam lily lisa liz lucy luke
    maria mark mary matt matthew megan mia michael michelle mike mohammed molly natalie nathan nicola noah olivia
    oliver paul peter priya rachel rebecca richard robert ruby ryan sam sarah scott sophie sophia stephen steve
    susan thomas tom tony victoria william zoe
    """
)

_NAME_WORD = r"[A-Za-z]+(?:['’-](?!s\b)[A-Za-z]+)*"  # "O'Brien", "Ana-Maria"; not a possessive's "'s"
_CAPITALISED = r"[A-Z][A-Za-z'’-]*[a-z]"


def _is_name(word: str) -> bool:
    return word.lower() not in _NOT_NAMES and len(word) > 1


# --- rules ---------------------------------------------------------------------------------------

Rule = Callable[[str], Iterator[Span]]
_rules: list[Rule] = []


def rule(tag: Tag, pattern: str, flags: int = re.IGNORECASE, group: int = 0) -> None:
    """A pattern whose match (or one group of it) is replaced by `tag`."""
    compiled = re.compile(pattern, flags)

    def find(text: str) -> Iterator[Span]:
        for match in compiled.finditer(text):
            if match.group(group):
                yield Span(match.start(group), match.end(group), tag)

    _rules.append(find)


def custom(find: Rule) -> Rule:
    _rules.append(find)
    return find


# Possessive quantifiers (`++`, `*+`) and the look-behinds keep these linear on any input: a question of
# a thousand dashes or spaces must not cost the writer seconds.
_DOT = r"(?:\s*+(?:\.|\(dot\)|\[dot\])\s*+|\s++dot\s++)"
_AT = r"(?:\s*+(?:@|\(at\)|\[at\])\s*+|\s++at\s++)"
_TLD = r"(?:com|net|org|edu|gov|co|uk|io|me|info|biz|ie|ca|au|de|fr|es|it|nl|us)\b"
_MAIL_HOSTS = r"(?:gmail|googlemail|hotmail|yahoo|outlook|icloud|aol|live|msn|btinternet|protonmail|proton|mail)"
_LOCAL = r"(?<![\w.+-])[a-z0-9][a-z0-9_+-]*+"

rule(Tag.EMAIL, r"(?<![\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)+")
rule(Tag.EMAIL, rf"{_LOCAL}(?:{_DOT}[a-z0-9_+-]++){{0,3}}{_AT}[a-z0-9-]++(?:{_DOT}[a-z0-9-]++){{0,3}}{_DOT}{_TLD}")
rule(Tag.EMAIL, rf"{_LOCAL}(?:{_DOT}[a-z0-9_+-]++){{0,3}}\s++at\s++{_MAIL_HOSTS}\b")

# Record and ID numbers: after a word that says what they are, any run with a digit in it.
_ID_CUE = (
    r"\b(?:mrn|nhs(?:\s+(?:number|no\.?|num))?|(?:patient|hospital|record|client|case|member(?:ship)?|id|chi|"
    r"reference|ref|booking|insurance|policy|passport|licen[cs]e)\s*(?:id|number|no\.?|num|ref(?:erence)?|#)|"
    r"(?:insurance\s+)?policy(?:\s+number)?|social\s+security(?:\s+number)?|ssn|national\s+insurance(?:\s+number)?|"
    r"reference|ref|member\s+id|medical\s+record(?:\s+number)?)"
)
rule(
    Tag.ID,
    rf"{_ID_CUE}(?:\s*(?:is|was|:|#|=)\s*|\s+)([a-z]{{0,3}}[-\s]?\d[\da-z]*(?:[-\s]\d[\da-z]*){{0,4}}"
    r"(?:\s[a-d]\b)?)",
    group=1,
)
rule(Tag.ID, r"\b[a-z]{1,3}-?\d{6,}\b")  # A1234567, M00293847
rule(Tag.ID, r"\b\d{3}-\d{2}-\d{4}\b")  # a US social security number
rule(Tag.ID, r"\b[a-ceghj-pr-tw-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d]\b")  # a UK national insurance number

# Dates: numeric, and in words ("the third of march 1985", "march 3rd", "born in 1990").
rule(Tag.DATE, r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b")
rule(Tag.DATE, rf"\b(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+(?:in\s+)?{_YEAR})?(?!\w)")
rule(Tag.DATE, rf"\b(?!may\b){_MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+{_YEAR})?")
rule(Tag.DATE, rf"\bmay\s+(?:the\s+{_DAY}|\d{{1,2}}(?:st|nd|rd|th)?\b)(?:,?\s+{_YEAR})?")
rule(Tag.DATE, rf"\b(?<!\d\s){_MONTH}\s+(?:19|20)\d{{2}}\b")
rule(Tag.DATE, rf"\b(?:born|birth|dob|d\.o\.b\.?)(?:\s+(?:is|was|in|on))?:?\s+({_YEAR})", group=1)

# Street addresses and postcodes.
_STREET_ALWAYS = (
    r"(?:street|road|avenue|lane|drive|boulevard|crescent|terrace|kingsway|highway|parkway|rd|ave|blvd|ln|hwy)"
)
_STREET_CAPITALISED = r"(?:Way|Close|Court|Place|Square|Gardens|Grove|Hill|Park|Row|Mews|Walk|Parade|St|Dr|Ct|Pl|Sq)"
_UNIT = r"(?:(?i:flat|apt|apartment|unit|suite)\s*\w+,?\s+)"
_ADDRESS_TAIL = r"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?(?:,?\s*(?:apt|apartment|unit|suite|flat|#)\.?\s*\w+)?"
rule(
    Tag.ADDRESS,
    rf"\b{_UNIT}?\d{{1,5}}[a-z]?,?\s+(?:{_NAME_WORD}\s+){{0,3}}{_STREET_ALWAYS}\b\.?{_ADDRESS_TAIL}",
)
rule(
    Tag.ADDRESS,
    rf"\b{_UNIT}?\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z]\w*\s+){{1,3}}{_STREET_CAPITALISED}\b\.?{_ADDRESS_TAIL}",
    flags=0,
)
rule(Tag.ADDRESS, rf"\b{_UNIT}\d{{1,5}}\s+{_NAME_WORD}\b")  # "Flat 3, 18 Kingsway"
rule(  # a street without a number, where the visitor says they live
    Tag.ADDRESS,
    rf"\b(?:live|living|lives|based|moved)\s+(?:on|at|in|to)\s+((?:{_NAME_WORD}\s+){{1,3}}{_STREET_ALWAYS})\b",
    group=1,
)
rule(
    Tag.POSTCODE,
    r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b",  # UK
)
_US_STATE = (
    r"(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]"
    r"|W[AIVY])"
)
rule(Tag.POSTCODE, rf"\b{_US_STATE}\s+\d{{5}}(?:-\d{{4}})?\b", flags=0)
rule(Tag.POSTCODE, r"\bzip(?:\s*code)?(?:\s+is)?:?\s*(\d{5}(?:-\d{4})?)\b", group=1)

# Phone numbers in any format visitors type: 7 to 15 digits with spaces, dots, dashes or brackets.
_PHONE_PATTERN = re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{5,}\d\b")


@custom
def _phone_like(text: str) -> Iterator[Span]:
    for match in _PHONE_PATTERN.finditer(text):
        if 7 <= sum(c.isdigit() for c in match.group()) <= 15:
            yield Span(match.start(), match.end(), Tag.PHONE)


# Ages: a number with words that make it an age ("i'm 47", "aged 58", "29 years old", "my son is 17").
# A bare "botox at 35?" is a question about treatments at that age, not a visitor's age: kept.
_NOT_AN_AGE = (
    r"(?!\s*(?:%|ml|mg|kg|lbs?|pounds?|weeks?|days?|months?|minutes?|hours?|hrs?|percent|units?|cm|mm|times"
    r"|sessions?|syringes?|am|pm|o'?clock|['’\"]|stone|st\b|ft|feet|inch|inches))"
)
_RELATIVE = (
    r"(?:son|daughter|child|kid|husband|wife|partner|mum|mom|mother|dad|father|boyfriend|girlfriend|grandmother"
    r"|grandfather|grandson|granddaughter|nan|baby|sister|brother|friend|niece|nephew|cousin|aunt|uncle|fianc[eé]e?)"
)
rule(Tag.AGE, r"\b\d{1,3}\s*(?:-|\s)?\s*(?:years?|yrs?|yr)(?:\s*|-)old\b")
rule(Tag.AGE, rf"\b(?:i'?m|i\s+am|am)\s+(?:a\s+|only\s+|now\s+)?(\d{{1,3}}){_NOT_AN_AGE}\b", group=1)
rule(Tag.AGE, r"\b\d{1,3}\s*(?:yo|y/o|y\.o\.?)(?!\w)")
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
rule(Tag.AGE, rf"\b(?:i'?m|i\s+am)\s+({_TENS}(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?)\b", group=1)
rule(Tag.AGE, r"\bat\s+(\d{1,3})\s*,?\s+(?:am\s+i|i'?m|i\s+am)\b", group=1)  # "at 63 am I too old"
rule(Tag.AGE, r"\b(?:aged|my\s+age\s+is|age:|turn(?:ed|ing)|turns)\s*(\d{1,3})\b", group=1)
rule(Tag.AGE, rf"\b(?:my\s+{_RELATIVE}|he|she)\s*(?:is|'s|’s|was|turned)\s+(\d{{1,3}}){_NOT_AN_AGE}\b", group=1)

# Names.
_TITLE = r"\b(?:dr|mr|mrs|ms|miss|mx|prof)\.?\s+"
_STRONG_CUE = (
    r"\b(?:my\s+name\s+is|my\s+name['’]?s|my\s+names|name\s*:|call\s+me|i\s+go\s+by|signed,?|regards,?|"
    r"sincerely,?|thanks,|thank\s+you,)\s+"
)
_WEAK_CUE = r"\b(?:i['’]?m|i\s+am|this\s+is|it['’]?s|here['’]?s)\s+"
_AFTER_NAME = r"(?=\s*(?:$|[,.!?;:)-]|\b(?:and|from|here|again|i|im|i'm|my|with|calling|speaking|writing)\b))"
_RELATIVE_NAME = rf"\bmy\s+(?:{_RELATIVE}|husband|wife)\s+(?:is\s+)?(?:called\s+|named\s+)?"
_GREETING = r"(?:^|[,.!?]\s*|\b(?i:hi|hey|hello|hiya)\b[,!]?\s+)"

# (pattern, whether the name must be capitalised); group 1 is a name, group 2 (if any) may be a surname.
_NAME_PATTERNS = [
    (re.compile(rf"{_TITLE}({_NAME_WORD})(?:\s+({_NAME_WORD}))?", re.IGNORECASE), False),  # Dr Patel, mrs jones
    (re.compile(rf"\b(?:[Nn]urse|[Dd]octor|[Ss]ister)\s+({_CAPITALISED})(?:\s+({_CAPITALISED}))?"), True),
    (re.compile(rf"{_STRONG_CUE}({_NAME_WORD})(?:\s+({_NAME_WORD}))?", re.IGNORECASE), False),  # my name is
    (re.compile(rf"(?i:{_WEAK_CUE})({_CAPITALISED})(?:\s+({_CAPITALISED}))?{_AFTER_NAME}"), True),  # I'm Tom,
    (re.compile(rf"(?i:{_RELATIVE_NAME})({_CAPITALISED})\b"), True),  # my daughter Emily
    (re.compile(rf"{_GREETING}({_CAPITALISED})(?:\s+({_CAPITALISED}))?,?\s+here\b"), True),  # Tom Harris here
]
# A first name typed in lower case: "i'm jane", "my son oliver".
_LOWER_CASE_NAME = re.compile(rf"(?:{_WEAK_CUE}|{_RELATIVE_NAME})({_NAME_WORD})\b", re.IGNORECASE)


@custom
def _names(text: str) -> Iterator[Span]:
    for pattern, capitalised_only in _NAME_PATTERNS:
        for match in pattern.finditer(text):
            yield from _name_words(match, capitalised_only)
    for match in _LOWER_CASE_NAME.finditer(text):
        if match.group(1).lower() in _FIRST_NAMES:
            yield Span(match.start(1), match.end(1), Tag.NAME)


def _name_words(match: re.Match[str], capitalised_only: bool) -> Iterator[Span]:
    """The first name word, and the second too when it is a surname (capitalised like the first, or any
    name-like word after a name typed in lower case)."""
    first = match.group(1)
    if not _is_name(first) or (capitalised_only and not first[0].isupper()):
        return
    end = match.end(1)
    second = match.group(2) if match.re.groups >= 2 else None
    if second and _is_name(second) and (second[0].isupper() or first[0].islower()):
        end = match.end(2)
    yield Span(match.start(1), end, Tag.NAME)


rule(Tag.NUMBER, r"\b\d{5,}\b")  # any other long number (a reference, an account)


# --- applying them -------------------------------------------------------------------------------


def find_spans(text: str) -> list[Span]:
    """Every detail to remove, earlier rules first where two overlap, in text order."""
    taken: list[Span] = []
    for find in _rules:
        for span in find(text):
            if not any(span.start < other.end and other.start < span.end for other in taken):
                taken.append(span)
    return sorted(taken, key=lambda span: span.start)


def redact(text: str) -> str:
    """The question with names, contact details, addresses, dates, ID numbers and ages replaced by tags."""
    pieces, position = [], 0
    for span in find_spans(text):
        pieces += [text[position : span.start], span.tag.value]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)
