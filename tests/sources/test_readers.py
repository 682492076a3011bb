"""Reading text in the worker's reader processes (issue 13): off the event loop, bounded in time,
and a killed reader costs its neighbours nothing but a second read."""

import asyncio
import time

import pytest

from sources import readers
from sources.extract import EXTRACTION_LIMIT
from sources.fetch import run_to_completion
from tests.sources.pages import news_page

SLOW_PAGE = news_page([f"Paragraph {i} of a very long page." for i in range(60_000)]).encode()


@pytest.fixture(autouse=True)
def _readers(settings):
    settings.SOURCE_EXTRACT_PROCESSES = 1
    settings.SOURCE_EXTRACT_LINEAR_HTML_BYTES = 10**9  # trafilatura on everything: slow on SLOW_PAGE
    readers.shutdown()  # the pool takes the settings when it starts
    yield
    readers.shutdown()


def read(body: bytes) -> asyncio.Future:
    return readers.read(body, "text/html", url="http://127.0.0.1/page", with_metadata=False, usual_length=0)


def test_reading_is_done_by_another_process():
    run_to_completion(read(news_page().encode()))  # the reader process starts
    started, cpu = time.monotonic(), time.process_time()
    extraction = run_to_completion(read(news_page([f"Paragraph {i}." for i in range(3000)]).encode()))
    wall, used = time.monotonic() - started, time.process_time() - cpu
    assert extraction.kind == "html" and "Paragraph 2999." in extraction.text
    assert used < wall / 3, (used, wall)  # this process waited; the reader worked


def test_a_read_over_its_time_bound_ends_in_a_problem_and_its_neighbour_is_read_again(settings):
    settings.SOURCE_EXTRACT_TIMEOUT = 1.0

    async def both():
        # One reader process: the small page waits behind the slow one, whose reader is killed.
        return await asyncio.gather(read(SLOW_PAGE), read(news_page().encode()))

    started = time.monotonic()
    slow, small = run_to_completion(both())
    assert (slow.problem, slow.error) == (EXTRACTION_LIMIT, "extracting the text took longer than 1 s")
    assert small.problem == "" and "Istanbul" in small.text
    assert time.monotonic() - started < 10
    assert run_to_completion(read(news_page().encode())).text == small.text  # a new reader took over


def test_without_reader_processes_text_is_read_in_a_thread(settings):
    settings.SOURCE_EXTRACT_PROCESSES = 0
    started, cpu = time.monotonic(), time.process_time()
    extraction = run_to_completion(read(news_page([f"Paragraph {i}." for i in range(3000)]).encode()))
    wall, used = time.monotonic() - started, time.process_time() - cpu
    assert "Paragraph 2999." in extraction.text
    assert used > wall / 2, (used, wall)  # here, in this process
