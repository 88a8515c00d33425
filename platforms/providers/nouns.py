"""A platform's name as a Russian noun: its gender and case forms, so that every message agrees.

A message never glues a bare label into a sentence: it asks the platform's ``noun`` for the case
the sentence needs («для Дзена», «к Дзену», «в Дзене») and for the form of a word that agrees
with it («Дзен отключён», a feminine name would read «отключена»). Names in Latin script (VK,
Telegram, Rutube) are not declined in Russian writing, so their forms are all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Gender", "Noun"]


class Gender(StrEnum):
    MASCULINE = "m"
    FEMININE = "f"
    NEUTER = "n"


@dataclass(frozen=True)
class Noun:
    """One name in the six cases; the comment shows the question and a phrase each serves."""

    nominative: str  # кто? что? — «Дзен отключён»
    genitive: str  # кого? чего? — «для Дзена», «у Дзена»
    dative: str  # кому? чему? — «доступ к Дзену»
    accusative: str  # кого? что? куда? — «подключите Дзен», «публикация в Дзен»
    instrumental: str  # кем? чем? — «связь с Дзеном»
    prepositional: str  # о ком? о чём? где? — «канал в Дзене»
    gender: Gender = Gender.MASCULINE

    @classmethod
    def indeclinable(cls, name: str, gender: Gender = Gender.MASCULINE) -> Noun:
        """A name that keeps one form in every case (Latin-script names: «в Telegram»)."""
        return cls(name, name, name, name, name, name, gender)

    def agree(self, masculine: str, feminine: str, neuter: str) -> str:
        """The form of an agreeing word (adjective, participle, past-tense verb) for this noun:
        ``noun.agree("отключён", "отключена", "отключено")``."""
        return {
            Gender.MASCULINE: masculine,
            Gender.FEMININE: feminine,
            Gender.NEUTER: neuter,
        }[self.gender]

    def __str__(self) -> str:
        return self.nominative
