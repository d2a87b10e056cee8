"""Synthetic prompts of a given length, and the request bodies that carry them."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ("SyntheticRequest", "request_bodies", "synthetic_requests")

# Common English words; each is a single token in the usual BPE vocabularies, and one token for the mock
# engine, so a prompt of N words is close to N tokens everywhere.
_WORDS = (
    "the of and to in is that it for was on are as with his they at be this from have or by one had not but "
    "what all were when we there can an your which their said if do will each about how up out them then she "
    "many some so these would other into has more her two like him see time could no make than first been its "
    "who now people my made over did down only way find use may water long little very after words called "
    "just where most know get through back much before go good new write our used me man too any day same "
    "right look think also around another came come work three word must because does part even place well "
    "such here take why things help put years different away again off went old number great tell men say "
    "small every found still between name should home big give air line set own under read last never us left "
    "end along while might next sound below saw something thought both few those always looked show large "
    "often together asked house world going want school important until form food keep children feet land "
    "side without boy once animals life enough took sometimes four head above kind began almost live page got "
    "earth need far hand high year mother light parts country father let night following picture being study "
    "second eyes soon times story boys since white days ever paper hard near sentence better best across "
    "during today others however sure means knew try told young miles sun ways thing whole hear example heard "
    "several change answer room sea against top turned learn point city play toward five using himself "
    "usually "
)
_VOCABULARY = tuple(_WORDS.split())


@dataclass(frozen=True, slots=True)
class SyntheticRequest:
    """One synthetic request: its prompt and the lengths it was drawn with."""

    prompt: str
    prompt_tokens: int
    output_tokens: int


def _length(rng: random.Random, length: int, ratio: float) -> int:
    low = max(1, int(length * ratio))
    return length if low >= length else rng.randint(low, length)


def synthetic_requests(
    count: int, *, input_tokens: int, output_tokens: int, range_ratio: float = 1.0, seed: int = 0
) -> list[SyntheticRequest]:
    """`count` prompts of random words, each different so no prefix cache can shortcut prefill."""
    rng = random.Random(seed)
    requests = []
    for _ in range(count):
        n_in = _length(rng, input_tokens, range_ratio)
        n_out = _length(rng, output_tokens, range_ratio)
        requests.append(SyntheticRequest(" ".join(rng.choices(_VOCABULARY, k=n_in)), n_in, n_out))
    return requests


def request_bodies(
    requests: list[SyntheticRequest],
    *,
    api: Literal["completions", "chat"],
    model: str,
    extra_body: Mapping[str, Any],
) -> list[bytes]:
    """Encode each request once, up front, as the JSON body of a streamed completion."""
    bodies = []
    for request in requests:
        body: dict[str, Any] = {"model": model}
        if api == "chat":
            body["messages"] = [{"role": "user", "content": request.prompt}]
        else:
            body["prompt"] = request.prompt
        body.update(
            max_tokens=request.output_tokens,
            ignore_eos=True,
            temperature=0.0,
            stream=True,
            stream_options={"include_usage": True},
        )
        body.update(extra_body)
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return bodies
