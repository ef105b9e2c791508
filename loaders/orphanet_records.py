"""The compiled Orphanet records (``data/orphanet/*.jsonl``): release, entity, gene association,
epidemiology and RARECARE rarity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from loaders.orphapackets import (
    ParentRef,
    Xref,
)


@dataclass(frozen=True)
class OrphanetRelease:
    """Which Orphanet release the compiled files come from."""

    version: str
    date: str
    classification_id: str
    classification_name: str
    classification_file: str
    packet_version: str
    packets: int


@dataclass(frozen=True)
class OrphanetEntity:
    """One ORPHAcode of classification 202, merged with its ORPHApacket where there is one."""

    _nested: ClassVar[dict[str, type]] = {"xrefs": Xref, "other_parents": ParentRef}

    code: str
    label: str
    disorder_type: str
    parents: list[str] = field(default_factory=list)
    other_parents: list[ParentRef] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    definition: str | None = None
    xrefs: list[Xref] = field(default_factory=list)
    ages_of_onset: list[str] = field(default_factory=list)
    inheritance: list[str] = field(default_factory=list)
    in_packet: bool = False


@dataclass(frozen=True)
class OrphanetGeneAssociation:
    """A disorder-gene association; origin and role are read from Orphanet's association text."""

    code: str
    symbol: str
    name: str
    hgnc: str | None
    association_type: str
    origin: str
    role: str
    qualifier: str = ""


@dataclass(frozen=True)
class OrphanetEpidemiology:
    """One epidemiology figure of a disorder; bounds per 100 000 computed from the class (decimal text)."""

    code: str
    measure: str
    value_class: str
    mean_value: str | None
    geographic: str
    qualification: str
    source: str | None
    lower_per_100k: str | None = None
    upper_per_100k: str | None = None


@dataclass(frozen=True)
class OrphanetRarity:
    """The RARECARE rarity of a disorder with a packet (see :func:`loaders.orphanet_epidemiology.rarecare_rarity`)."""

    code: str
    rarity: str
    geographic: str | None
    classes: list[str]
    reason: str


RECORD_TYPES: dict[str, type] = {t.__name__: t for t in (
    OrphanetRelease, OrphanetEntity, OrphanetGeneAssociation, OrphanetEpidemiology, OrphanetRarity)}
