"""Version ranges as written in Kafka's message specs ("0+", "3-7", "5", "none").

A range is closed [lo, hi]; an empty range has lo > hi. The emitter turns a
range into a C++ condition on the runtime version, relative to the versions
the enclosing message can have, so "0+" in a v0-v11 message needs no test.
"""

from dataclasses import dataclass

MAX_VERSION = 0x7FFF


@dataclass(frozen=True)
class Versions:
    lo: int
    hi: int

    @staticmethod
    def parse(text, default=None):
        if text is None:
            if default is None:
                raise ValueError("missing version range")
            return default
        text = text.strip()
        if text == "none":
            return NONE
        if text.endswith("+"):
            return Versions(int(text[:-1]), MAX_VERSION)
        if "-" in text:
            lo, hi = text.split("-")
            return Versions(int(lo), int(hi))
        return Versions(int(text), int(text))

    def empty(self):
        return self.lo > self.hi

    def contains(self, v):
        return self.lo <= v <= self.hi

    def intersect(self, other):
        return Versions(max(self.lo, other.lo), min(self.hi, other.hi))

    def covers(self, other):
        """True when every version in `other` is in this range."""
        return other.empty() or (self.lo <= other.lo and other.hi <= self.hi)

    def condition(self, var, within):
        """C++ boolean expression for `var` in this range, knowing var is in `within`."""
        r = self.intersect(within)
        if r.empty():
            return "false"
        if r.lo <= within.lo and r.hi >= within.hi:
            return "true"
        parts = []
        if r.lo > within.lo:
            parts.append(f"{var} >= {r.lo}")
        if r.hi < within.hi:
            parts.append(f"{var} <= {r.hi}")
        return " && ".join(parts)

    def __str__(self):
        if self.empty():
            return "none"
        if self.hi == MAX_VERSION:
            return f"{self.lo}+"
        return f"{self.lo}-{self.hi}"


NONE = Versions(1, 0)
ALL = Versions(0, MAX_VERSION)
