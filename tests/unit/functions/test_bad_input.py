"""Bad input in-process: every limit is enforced with a 4xx JSON message, bodies the parser
cannot take are a 4xx (never a 500), and logs never carry a body."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.import_roots import python_path
from request_body import MAX_BODY_BYTES
from tests.unit.functions.test_app import call, popular, recommend

REPO = Path(__file__).resolve().parents[3]


def fresh_interpreter_env() -> dict[str, str]:
    """This environment with the function's import roots, for a fresh `python -c`."""
    return {**os.environ, "PYTHONPATH": python_path()}


def run_fresh_interpreter(
    script: str, env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `script` with `python -c` in `cwd`, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
        timeout=120,
    )


REC = "/catalogs/books/recommendations"


# Bodies


def test_a_body_over_the_limit_is_a_413_before_it_is_parsed(api_event, lambda_context):
    body = '{"items": ["' + "x" * MAX_BODY_BYTES + '"]}'

    status, answer, _ = recommend(api_event, lambda_context, body)

    assert status == 413
    assert answer == {
        "message": f"the request body is {len(body)} bytes; at most 65536 are accepted"
    }


def test_a_body_over_the_limit_is_a_413_on_a_route_that_reads_none(api_event, lambda_context):
    event = api_event("GET", "/health", body="x" * (MAX_BODY_BYTES + 1))

    status, answer, _ = call(event, lambda_context)

    assert status == 413
    assert "65536" in answer["message"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "items=b0001&items=b0002"),
        ("multipart/form-data", "--x\r\n"),
        ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="a"'),
        ("application/jsonx", '{"items": ["b0001"]}'),
    ],
)
@pytest.mark.filterwarnings("ignore:Received multipart/form-data:UserWarning")
def test_a_body_that_is_not_json_by_its_type_is_a_415(
    api_event, lambda_context, content_type, body
):
    event = api_event("POST", REC, body=body, headers={"Content-Type": content_type})

    status, answer, _ = call(event, lambda_context)

    assert (status, answer) == (415, {"message": "the request body must be application/json"})


@pytest.mark.parametrize("raw", [b'{"items": ["\xff\xfe"]}', b"\xc0\xaf", "{}".encode("utf-16")])
def test_a_body_that_is_not_utf8_is_a_400(api_event, lambda_context, raw):
    event = api_event("POST", REC, body=base64.b64encode(raw).decode())
    event["isBase64Encoded"] = True

    status, answer, _ = call(event, lambda_context)

    assert (status, answer) == (400, {"message": "the request body is not valid UTF-8 text"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"items": ' + "[" * 10_000 + "]" * 10_000 + "}", "it nests too deeply"),
        ("[" * 50_000, "it nests too deeply"),
        ('{"items": ["a"], "limit": 1' + "0" * 5000 + "}", "a number is too long"),
    ],
)
def test_json_that_pythons_parser_refuses_is_a_400_not_a_500(
    api_event, lambda_context, body, message
):
    status, answer, _ = recommend(api_event, lambda_context, body)

    assert (status, answer) == (400, {"message": f"the request body is not valid JSON: {message}"})


def test_a_whole_number_written_as_a_float_is_a_valid_limit(api_event, lambda_context, published):
    status, answer, _ = recommend(
        api_event, lambda_context, {"items": popular(published, "books", 3), "limit": 5.0}
    )

    assert status == 200
    assert len(answer["items"]) == 5


# Methods and query strings


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/health", "GET, OPTIONS"),
        ("GET", REC, "OPTIONS, POST"),
        ("DELETE", "/catalogs/books/items", "GET, OPTIONS"),
        ("TRACE", "/", "GET, OPTIONS"),
    ],
)
def test_a_method_a_route_does_not_answer_is_a_405_with_allow(
    api_event, lambda_context, method, path, allowed
):
    status, answer, headers = call(api_event(method, path), lambda_context)

    assert status == 405
    assert headers["Allow"] == allowed
    assert answer == {"message": f"{method} is not allowed on {path}; use {allowed}"}


@pytest.mark.parametrize("path", ["/catalogs/b\u00b6oks/items", "/catalogs//items", "/admin"])
def test_a_path_no_route_matches_is_a_404_for_every_method(api_event, lambda_context, path):
    status, answer, _ = call(api_event("PUT", path), lambda_context)

    assert (status, answer) == (404, {"message": f"no route for PUT {path}"})


def test_a_query_parameter_sent_twice_is_a_422_that_says_so(api_event, lambda_context):
    event = api_event("GET", "/catalogs/books/items")
    event["multiValueQueryStringParameters"] = {"q": ["a", "b"]}
    event["queryStringParameters"] = {"q": "b"}

    status, answer, _ = call(event, lambda_context)

    assert status == 422
    assert answer["message"] == "q: give it once, not 2 times"


# Logs


MARKER = "a-request-body-marker-7f3c"


@pytest.mark.parametrize(
    "body",
    [
        '{"items": ["' + MARKER,  # 400
        '{"items": ["b0001"], "note": "' + MARKER + '"}',  # 422, extra field
        '{"items": ["b0001"], "limit": "' + MARKER + '"}',  # 422, wrong type
        '{"items": ["b0001"], "note": "' + MARKER * 3000 + '"}',  # 413
    ],
)
def test_a_refused_body_never_reaches_the_logs(api_event, lambda_context, log_lines, body):
    status, _, _ = recommend(api_event, lambda_context, body)

    assert 400 <= status < 500
    assert log_lines()  # the request line was logged, without the body
    assert not any(MARKER in json.dumps(line) for line in log_lines())


def test_logs_carry_no_body_even_when_powertools_is_told_to_log_events_and_debug(tmp_path):
    """The handler's settings win over POWERTOOLS_LOGGER_LOG_EVENT and POWERTOOLS_DEV, which
    are read when the module is imported: hence a fresh interpreter."""
    event = {
        "resource": REC,
        "path": REC,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "requestContext": {"path": REC, "stage": "prod", "requestId": "r-1"},
        "body": json.dumps({"items": ["b0001"], "note": MARKER}),
        "isBase64Encoded": False,
    }
    script = (
        "import json, sys, app\n"
        "from local.gateway import LocalLambdaContext\n"
        "answer = app.handler(json.loads(sys.stdin.read()), LocalLambdaContext())\n"
        "print('ANSWER', answer['statusCode'], answer['body'])\n"
    )
    env = {
        **fresh_interpreter_env(),
        "POWERTOOLS_LOGGER_LOG_EVENT": "true",
        "POWERTOOLS_DEV": "true",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
    }

    done = run_fresh_interpreter(script, env, tmp_path, stdin=json.dumps(event))

    assert "ANSWER 422" in done.stdout
    assert '"level":"INFO"' in done.stdout.replace(" ", "")  # logs did reach stdout
    assert MARKER not in done.stdout + done.stderr


# CORS


def test_the_allowed_origin_comes_from_cors_allowed_origin(tmp_path):
    """Read when the module is imported, so in a fresh interpreter: the configured origin is
    allowed, another one gets no CORS header."""
    script = (
        "import json, app\n"
        "from local.gateway import LocalLambdaContext\n"
        "for origin in ('https://shop.example', 'https://elsewhere.example'):\n"
        "    event = {'path': '/nowhere', 'httpMethod': 'GET', 'headers': {'Origin': origin},\n"
        "             'requestContext': {'path': '/nowhere'}, 'body': None}\n"
        "    answer = app.handler(event, LocalLambdaContext())\n"
        "    headers = {**answer.get('headers', {}),\n"
        "               **{k: v[-1] for k, v in answer.get('multiValueHeaders', {}).items()}}\n"
        "    print('ORIGIN', origin, headers.get('Access-Control-Allow-Origin'))\n"
    )
    env = {
        **fresh_interpreter_env(),
        "CORS_ALLOWED_ORIGIN": "https://shop.example",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }

    done = run_fresh_interpreter(script, env, tmp_path)

    assert "ORIGIN https://shop.example https://shop.example" in done.stdout
    assert "ORIGIN https://elsewhere.example None" in done.stdout
