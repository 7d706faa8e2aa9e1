"""What the Scrubber leaves of the token and the secrets, in every form an echo can take."""

from __future__ import annotations

import json
import pickle
from urllib.parse import quote

import pytest

from pulumi_northflank_provider.errors import quoted
from pulumi_northflank_provider.http.scrub import (
    REDACTED,
    TOKEN_FRAGMENT,
    Scrubber,
    guessed_secrets,
    parse,
)

from .conftest import CANARY_TOKEN


def pieces(token: str) -> list[str]:
    """Every piece of the token as long as the shortest one redacted, lower-cased."""
    size = min(TOKEN_FRAGMENT, len(token))
    return [token[i : i + size].lower() for i in range(len(token) - size + 1)]


def assert_no_piece(text: str, token: str = CANARY_TOKEN) -> None:
    shown = text.lower()
    assert not [piece for piece in pieces(token) if piece in shown], text


@pytest.mark.parametrize(
    "echo",
    [
        CANARY_TOKEN,
        CANARY_TOKEN.upper(),
        CANARY_TOKEN[: len(CANARY_TOKEN) * 2 // 3],
        CANARY_TOKEN[len(CANARY_TOKEN) // 3 :],
        CANARY_TOKEN[7 : 7 + TOKEN_FRAGMENT].swapcase(),
        CANARY_TOKEN[:20] + " and " + CANARY_TOKEN[20:],  # split over two places
        quote(CANARY_TOKEN, safe=""),
        json.dumps(CANARY_TOKEN)[1:-1],
    ],
    ids=["whole", "upper", "first-2/3", "last-2/3", "12-swapcase", "split", "url", "json"],
)
def test_every_piece_of_the_token_is_redacted_and_the_text_around_it_kept(echo: str) -> None:
    shown = Scrubber(CANARY_TOKEN).text(f"Invalid token: {echo} (see the docs)")
    assert_no_piece(shown)
    assert shown.startswith("Invalid token: ") and shown.endswith(" (see the docs)")
    assert REDACTED in shown


def test_a_piece_shorter_than_the_fragment_length_is_left_alone() -> None:
    short = CANARY_TOKEN[3 : 3 + TOKEN_FRAGMENT - 1]
    assert Scrubber(CANARY_TOKEN).text(f"id {short}") == f"id {short}"


def test_overlapping_pieces_become_one_marker() -> None:
    assert Scrubber(CANARY_TOKEN).text(f"<{CANARY_TOKEN}{CANARY_TOKEN.upper()}>") == (
        f"<{REDACTED}>"
    )


def test_a_token_shorter_than_the_fragment_length_is_redacted_whole_in_any_case() -> None:
    scrubber = Scrubber("nf-s3cr3t")
    assert scrubber.text("a NF-S3CR3T b nf-s3cr3") == f"a {REDACTED} b nf-s3cr3"


def test_a_text_whose_percent_decoding_shows_a_piece_is_redacted_whole() -> None:
    encoded = "".join(f"%{ord(c):02X}" for c in CANARY_TOKEN[2:20])
    scrubber = Scrubber(CANARY_TOKEN)
    assert scrubber.text(f"https://proxy.example.com/?t={encoded}") == REDACTED
    assert scrubber.text(f"?t={quote(encoded)}") == REDACTED  # encoded twice: %2563...
    # Percent-encoding elsewhere in a text that held the token plainly keeps the rest readable.
    shown = scrubber.text(f"https://{CANARY_TOKEN}@proxy.example.com/?a=Bearer%20{CANARY_TOKEN}")
    assert shown == f"https://{REDACTED}@proxy.example.com/?a=Bearer%20{REDACTED}"


def test_any_bearer_credential_is_redacted() -> None:
    assert Scrubber(None).text("Authorization: Bearer abc.def") == (
        f"Authorization: Bearer {REDACTED}"
    )


def test_secrets_of_any_length_are_redacted_whole_line_by_line_and_in_their_forms() -> None:
    key = "-----BEGIN KEY-----\n  c2VjcmV0/a+b  \n\n-----END KEY-----\n"
    scrubber = Scrubber(None, ["7", key, "   ", "p@ss w/rd"])
    assert scrubber.text("attempt 7 of 9") == f"attempt {REDACTED} of 9"
    assert scrubber.text(f"file: {key}") == f"file: {REDACTED}"
    assert scrubber.text("line: c2VjcmV0/a+b!") == f"line: {REDACTED}!"
    for form in ["p@ss w/rd", quote("p@ss w/rd", safe=""), "p%40ss+w%2Frd", "p@ss w\\/rd"]:
        assert scrubber.text(f"[{form}]") == f"[{REDACTED}]"
    assert scrubber.text("a   b") == "a   b"  # a blank secret is no secret


def test_the_token_and_secrets_found_in_one_text_are_replaced_together() -> None:
    """A secret that is a letter of the token must not split the token before it is found."""
    scrubber = Scrubber(CANARY_TOKEN, ["a", "e"])
    shown = scrubber.text(f"token {CANARY_TOKEN} name")
    assert shown == f"tok{REDACTED}n {REDACTED} n{REDACTED}m{REDACTED}"
    assert_no_piece(shown)


def test_secrets_are_scrubbed_before_a_message_is_flattened_and_cut() -> None:
    secret = "line one\nline two"
    message = Scrubber(None, [secret]).text(f"echo: {secret}\n" + "x" * 600)
    assert "line" not in quoted(message)


def test_a_caller_that_only_guesses_at_secrets_keeps_the_four_character_minimum() -> None:
    assert guessed_secrets(["1", "yes", " ab ", "true", "hunter2"]) == ["true", "hunter2"]
    assert guessed_secrets(["ab", "abc"], min_length=3) == ["abc"]


def test_data_is_scrubbed_string_by_string_keys_too_but_of_the_token_only() -> None:
    answer = {
        "data": {
            CANARY_TOKEN: [f"echo/{CANARY_TOKEN.upper()}:1", {"deep": f"x{CANARY_TOKEN[4:20]}"}],
            "runId": "run-7",
            "count": 7,
            "ok": True,
            "bad": "\ud800",
        }
    }
    scrubbed = Scrubber(CANARY_TOKEN, ["7"]).data(answer)
    assert scrubbed == {
        "data": {
            REDACTED: [f"echo/{REDACTED}:1", {"deep": f"x{REDACTED}"}],
            "runId": "run-7",  # a secret as short as "7" must not rewrite ids
            "count": 7,
            "ok": True,
            "bad": "\ufffd",  # a lone surrogate could not be encoded for the state
        }
    }


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"a": "é", "t": CANARY_TOKEN}).encode(),
        json.dumps({"a": "é", "t": CANARY_TOKEN}).encode("utf-16"),
        json.dumps({"a": "é", "t": CANARY_TOKEN}, ensure_ascii=False).encode("utf-16-le"),
        json.dumps({"a": "é", "t": CANARY_TOKEN}).encode("utf-32"),
        (
            '{"a": "\\u00e9", "t": "' + "".join(f"\\u{ord(c):04x}" for c in CANARY_TOKEN) + '"}'
        ).encode(),
    ],
    ids=["utf-8", "utf-16", "utf-16-le", "utf-32", "escaped"],
)
def test_answers_are_parsed_in_any_encoding_json_allows_then_scrubbed(body: bytes) -> None:
    payload, is_json = parse(body)
    assert is_json and payload == {"a": "é", "t": CANARY_TOKEN}
    assert Scrubber(CANARY_TOKEN).data(payload) == {"a": "é", "t": REDACTED}


def test_one_byte_that_is_not_utf8_does_not_lose_the_answer() -> None:
    payload, is_json = parse(b'[{"log": "caf\xe9 ok"}, {"log": "next"}]')
    assert is_json and payload == [{"log": "caf\ufffd ok"}, {"log": "next"}]


@pytest.mark.parametrize("body", [b"<html>502</html>", b"[" * 100_000, b""])
def test_what_is_not_json_is_said_to_be_so(body: bytes) -> None:
    assert parse(body) == (None, False)


def test_a_scrubber_holding_a_token_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="never be pickled"):
        pickle.dumps(Scrubber(CANARY_TOKEN))
    assert CANARY_TOKEN not in repr(vars(Scrubber(CANARY_TOKEN)))
